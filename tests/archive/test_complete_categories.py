"""Category records of a run whose listings stopped early: the fresh pages, then the rest of
the category as the last run recorded it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crawler.archive.categories import complete_categories, merge_category_pages
from crawler.items import Category, ListingPage
from tests.factories import article_url, category_url, make_category_page

FILM = category_url("film-history")
NATIONAL = category_url("national-cinemas")
SOUND = category_url("sound")


def film_page(page: int, articles: Sequence[int]) -> ListingPage:
    return make_category_page("film-history", page, articles, name="Film history")


def national_page(page: int, articles: Sequence[int]) -> ListingPage:
    return make_category_page("national-cinemas", page, articles, name="National cinemas")


def links(numbers: Iterable[int]) -> list[str]:
    return [article_url(n) for n in numbers]


def film(numbers: Iterable[int], name: str = "Film history") -> Category:
    return Category(name=name, url=FILM, articles=links(numbers))


def national(numbers: Iterable[int]) -> Category:
    return Category(name="National cinemas", url=NATIONAL, articles=links(numbers))


#: The last run's record of a category of three full pages: 1-4, 5-8, 9-12, newest first.
PREVIOUS = {FILM: film(range(1, 13))}


def articles_of(categories: list[Category], url: str) -> list[str]:
    [category] = [category for category in categories if category.url == url]
    return category.articles


# -- no previous record ---------------------------------------------------------------------------


def test_without_a_previous_record_the_pages_merge_as_usual() -> None:
    pages = [
        national_page(2, (7, 8)),
        film_page(3, (9, 10)),
        film_page(1, (1, 2, 3)),
        national_page(1, (5, 6, 7)),
        film_page(1, (1, 2, 3)),  # seen twice
        film_page(2, (3, 4)),
    ]
    assert complete_categories(pages, {}) == merge_category_pages(pages)


def test_without_a_previous_record_pages_after_a_gap_still_count() -> None:
    pages = [film_page(3, (9, 10)), film_page(1, (1, 2))]
    assert complete_categories(pages, {}) == [film((1, 2, 9, 10))]


def test_nothing_fetched_and_nothing_recorded_is_no_category() -> None:
    assert complete_categories([], {}) == []


# -- a run that stopped early ---------------------------------------------------------------------


def test_a_run_that_stopped_early_completes_the_category_from_its_previous_record() -> None:
    # Two articles were published at the top: every older one moved down two places, and the
    # run fetched the first two of the four pages the category now has.
    pages = [film_page(1, (101, 102, 1, 2)), film_page(2, (3, 4, 5, 6))]
    assert complete_categories(pages, PREVIOUS) == [film((101, 102, *range(1, 13)))]


def test_fresh_pages_arriving_out_of_order_still_make_the_prefix() -> None:
    pages = [film_page(2, (3, 4, 5, 6)), film_page(1, (101, 102, 1, 2))]
    assert complete_categories(pages, PREVIOUS) == [film((101, 102, *range(1, 13)))]


def test_the_fresh_pages_give_the_order_of_what_they_list() -> None:
    pages = [film_page(1, (3, 1, 2, 4))]  # 3 was bumped to the top
    assert complete_categories(pages, PREVIOUS) == [film((3, 1, 2, 4, *range(5, 13)))]


def test_a_fresh_page_seen_twice_adds_nothing() -> None:
    pages = [film_page(1, (101, 1, 2, 3)), film_page(1, (101, 1, 2, 3))]
    assert complete_categories(pages, PREVIOUS) == [film((101, *range(1, 13)))]


def test_removed_articles_are_dropped_from_the_previous_record() -> None:
    pages = [film_page(1, (101, 102, 1, 2)), film_page(2, (3, 4, 5, 6))]
    removed = {article_url(9), article_url(12)}
    assert complete_categories(pages, PREVIOUS, removed) == [
        film((101, 102, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11))
    ]


def test_a_removed_article_still_listed_on_a_fresh_page_stays() -> None:
    pages = [film_page(1, (1, 2, 3, 4))]
    assert articles_of(complete_categories(pages, PREVIOUS, {article_url(2)}), FILM) == links(
        range(1, 13)
    )


def test_an_article_now_listed_in_another_category_leaves_this_one() -> None:
    pages = [film_page(1, (1, 2, 3, 4)), national_page(1, (20, 7))]
    assert complete_categories(pages, PREVIOUS) == [
        film((1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)),
        national((20, 7)),
    ]


def test_an_article_not_listed_anywhere_this_run_stays_where_it_was() -> None:
    pages = [film_page(1, (1, 2, 3, 4)), national_page(1, (20, 21))]
    assert articles_of(complete_categories(pages, PREVIOUS), FILM) == links(range(1, 13))


# -- sweeps: later pages after a gap --------------------------------------------------------------


def test_a_swept_page_s_new_article_goes_after_the_one_it_follows_there() -> None:
    # Page 1 and a periodic sweep of page 3, which shows an article the last run did not see.
    pages = [film_page(1, (1, 2, 3, 4)), film_page(3, (9, 50, 10, 11))]
    assert complete_categories(pages, PREVIOUS) == [film((*range(1, 10), 50, 10, 11, 12))]


def test_new_articles_in_a_row_on_a_swept_page_keep_their_order() -> None:
    pages = [film_page(1, (1, 2, 3, 4)), film_page(3, (9, 50, 51, 10))]
    assert complete_categories(pages, PREVIOUS) == [film((*range(1, 10), 50, 51, 10, 11, 12))]


def test_a_swept_page_s_known_articles_keep_their_recorded_place() -> None:
    pages = [film_page(1, (1, 2, 3, 4)), film_page(3, (9, 10, 11, 12))]
    assert complete_categories(pages, PREVIOUS) == [film(range(1, 13))]


def test_a_swept_page_of_a_category_without_a_record_adds_its_articles_in_order() -> None:
    pages = [national_page(1, (20, 21)), national_page(4, (30, 31))]
    assert complete_categories(pages, PREVIOUS) == [national((20, 21, 30, 31))]


def test_a_new_article_first_on_a_swept_page_goes_before_the_one_that_follows_it() -> None:
    # On the site the new article 50 sits between 8 (the end of page 2) and 9.
    pages = [film_page(1, (1, 2, 3, 4)), film_page(3, (50, 9, 10, 11))]
    assert complete_categories(pages, PREVIOUS) == [film((*range(1, 9), 50, *range(9, 13)))]


# -- categories without fresh pages, names, order -------------------------------------------------


def test_a_category_no_page_of_which_was_fetched_has_no_record_this_run() -> None:
    previous = {**PREVIOUS, NATIONAL: national((20, 21, 22))}
    pages = [film_page(1, (1, 2, 3, 4))]
    assert complete_categories(pages, previous) == [film(range(1, 13))]


def test_a_run_that_fetched_no_listing_has_no_categories() -> None:
    assert complete_categories([], PREVIOUS) == []


def test_the_name_on_the_fresh_first_page_wins_over_the_recorded_one() -> None:
    previous = {FILM: film(range(1, 5), name="Old name")}
    [category] = complete_categories([film_page(1, (1, 2))], previous)
    assert category.name == "Film history"


def test_categories_come_sorted_by_url() -> None:
    pages = [national_page(1, (20,)), film_page(1, (1,))]
    result = complete_categories(pages, PREVIOUS)
    assert [category.url for category in result] == [FILM, NATIONAL]
