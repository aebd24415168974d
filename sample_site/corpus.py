"""Word lists and sentence templates the generator draws its prose from.

Everything is baked in so the sample site builds offline and byte-for-byte the same on every
machine. Templates use ``str.format`` slots; ``[tag|text]`` marks inline markup that
``build.parse_inline`` turns into elements (``[em|auteur]ism`` is ``<em>auteur</em>ism``).
"""

from __future__ import annotations

from typing import Final

#: (slug, name as printed). Order is the navigation order on every page.
CATEGORIES: Final[tuple[tuple[str, str], ...]] = (
    ("national-cinemas", "National cinemas"),
    ("film-history", "Film history"),
    ("festivals-awards", "Festivals & awards"),
    ("documentary", "Documentary"),
)

NATIONS: Final[tuple[str, ...]] = (
    "Senegalese",
    "Iranian",
    "Brazilian",
    "Georgian",
    "Filipino",
    "Polish",
    "Taiwanese",
    "Argentine",
    "Egyptian",
    "Finnish",
    "Mexican",
    "Nigerian",
    "Romanian",
    "Thai",
    "Chilean",
    "Hungarian",
    "Malian",
    "Icelandic",
    "Lebanese",
    "Indonesian",
    "Czech",
    "Turkish",
    "Cuban",
    "Kazakh",
)

MOVEMENTS: Final[tuple[str, ...]] = (
    "the silent era",
    "early sound cinema",
    "Soviet montage",
    "Italian neorealism",
    "the French New Wave",
    "Cinema Novo",
    "New Hollywood",
    "the studio system",
    "German Expressionism",
    "Third Cinema",
    "the Japanese golden age",
    "poetic realism",
    "the Czechoslovak New Wave",
    "British social realism",
    "the Hong Kong new wave",
    "Dogme 95",
)

FESTIVALS: Final[tuple[str, ...]] = (
    "Cannes",
    "Venice",
    "Berlinale",
    "Locarno",
    "Rotterdam",
    "Busan",
    "FESPACO",
    "Mar del Plata",
    "Karlovy Vary",
    "Sundance",
    "Toronto",
    "Tampere",
)

DOC_FORMS: Final[tuple[str, ...]] = (
    "observational documentary",
    "essay filmmaking",
    "direct cinema",
    "archival compilation",
    "personal documentary",
    "nature documentary",
    "city-symphony filmmaking",
    "investigative documentary",
    "ethnographic film",
    "hybrid documentary",
)

CONCEPTS: Final[tuple[str, ...]] = (
    "regional identity",
    "collective memory",
    "oral history",
    "landscape",
    "language politics",
    "genre hybridity",
    "social realism",
    "formal experiment",
    "co-production finance",
    "state subsidy",
    "censorship",
    "migration",
    "urban change",
    "rural life",
    "family melodrama",
    "political allegory",
    "documentary realism",
    "star performance",
    "popular comedy",
    "historical trauma",
    "colonial legacy",
    "diaspora",
    "national myth",
    "everyday labour",
    "youth culture",
    "religious tradition",
    "the politics of sound",
    "non-professional casting",
    "location shooting",
    "the long take",
)

PRACTICES: Final[tuple[str, ...]] = (
    "co-production treaties",
    "film school training",
    "script development labs",
    "restoration work",
    "subtitling and dubbing",
    "festival programming",
    "community screenings",
    "public broadcasting",
    "independent distribution",
    "archival preservation",
    "critics' circles",
    "mentorship schemes",
    "streaming acquisitions",
    "television co-financing",
    "touring retrospectives",
    "regional film funds",
)

GROUPS: Final[tuple[str, ...]] = (
    "directors",
    "producers",
    "critics",
    "programmers",
    "archivists",
    "cinematographers",
    "editors",
    "screenwriters",
    "festival juries",
    "film students",
    "distributors",
    "audiences",
)

VENUES: Final[tuple[str, ...]] = (
    "streaming platforms",
    "repertory screens",
    "university cinemas",
    "festival sidebars",
    "public television",
    "museum programmes",
    "film society screenings",
)

ADJECTIVES: Final[tuple[str, ...]] = (
    "intimate",
    "expansive",
    "austere",
    "playful",
    "urgent",
    "patient",
    "lyrical",
    "restless",
    "rigorous",
    "generous",
    "unsentimental",
    "luminous",
)

#: Subject phrases per category slug; ``{nation}``, ``{movement}``... are filled per article.
#: All singular, so every template's verb agrees with any subject.
SUBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "national-cinemas": ("{nation} cinema", "{nation} film culture", "the {nation} film industry"),
    "film-history": ("{movement}", "the legacy of {movement}", "the cinema of {movement}"),
    "festivals-awards": ("the {festival} programme", "{festival}", "the jury at {festival}"),
    "documentary": ("{doc_form}", "the tradition of {doc_form}", "contemporary {doc_form}"),
}

SENTENCES: Final[tuple[str, ...]] = (
    "{Subject} has long balanced {concept} against {concept2}.",
    "Critics often describe {subject} as a laboratory for {concept}.",
    "Much of this depends on {practice}, a factor that shapes how {group} approach {concept}.",
    "Over several decades, {subject} learned to treat {concept} as a resource "
    "rather than a constraint.",
    "The result is a body of work that feels both {adj} and {adj2}.",
    "Archivists and programmers keep returning to one question: how does {practice} "
    "change {concept}?",
    "{Group} describe the process as slow, collaborative, and rarely glamorous.",
    "Funding models matter here, because work like {practice} rarely pays for itself.",
    "Seen from a distance, the pattern is clear: {concept} travels further when "
    "{group} take {practice} seriously.",
    "Local audiences, meanwhile, respond to {concept} in ways that still surprise {group}.",
    "None of this happened in isolation from {concept2}.",
    "Restored prints and new subtitles have given {subject} a second life on {venue}.",
    "{Group} point to {practice} as the moment when {concept} became visible.",
    "What began as {concept} turned, over time, into a shared vocabulary for {group}.",
    "It would be a mistake to read {subject} only through {concept}.",
    "The most durable films in this tradition combine {concept} with {concept2}.",
    "Each generation of {group} rediscovers {concept} on its own terms.",
    "That tension between {concept} and {concept2} remains productive.",
    "Programmers working with {venue} now schedule these works beside new releases.",
    "Several scholars argue that {practice} did more for {subject} than any single film.",
    "Budgets were small, so {group} learned to make {concept} do the work of spectacle.",
    "The best of these films are {adj} without being solemn and {adj2} without being loud.",
    "Even minor works reward attention to {concept}.",
    "When {group} talk about {subject}, they usually start with {practice}.",
)

HEADINGS: Final[tuple[str, ...]] = (
    "Why {concept} still matters",
    "{Practice} and its limits",
    "From {concept} to {concept2}",
    "What {group} learned from {practice}",
    "The role of {venue}",
    "Reading {subject} today",
    "A question of {concept}",
    "Where {practice} comes in",
)

TITLES: Final[tuple[str, ...]] = (
    "How {Subject} Turned {Concept} Into a Shared Language",
    "{Subject} and the Politics of {Concept}",
    "Rethinking {Concept} in {Subject}",
    "The Quiet Influence of {Practice} on {Subject}",
    "What {Group} Owe to {Subject}",
    "{Subject}: {Concept}, {Concept2} and the Long View",
    "Between {Concept} and {Concept2}: Notes on {Subject}",
    "{Practice} and the Making of {Subject}",
    "Why {Subject} Keeps Returning to {Concept}",
    "{Concept} on Screen: Lessons From {Subject}",
)

TEASERS: Final[tuple[str, ...]] = (
    "This evergreen essay traces how {subject} uses {concept} and {concept2} to reach "
    "audiences far beyond its origins.",
    "A close look at {practice} shows how {group} keep {concept} alive while negotiating "
    "{concept2}.",
    "{Subject} offers a case study in {concept}, where {practice} and {concept2} meet on "
    "screen and off.",
    "From {venue} to {venue2}, {subject} shows how {concept} can travel without losing its "
    "local texture.",
    "An overview of how {group} rethink {concept} through {practice}, and what that means "
    "for {subject}.",
    "This essay examines {subject} through {concept}, {concept2}, and the {adj} work of "
    "{practice}.",
)

#: Short one-sentence paragraphs for very long bodies (keeps a 3,000-paragraph page small).
SHORT_SENTENCES: Final[tuple[str, ...]] = (
    "{Group} kept notes on {concept}.",
    "A note on {practice} changed the schedule again.",
    "Another reel, another argument about {concept}.",
    "The print was {adj} and scratched.",
    "{Subject} returned to {concept2}.",
    "Nobody agreed on {concept}, which helped.",
)

#: Sentences whose every character exists in windows-1252, including the bytes 0x80-0x9F
#: where it differs from Latin-1 (euro sign, curly quotes, dashes).
CP1252_SENTENCES: Final[tuple[str, ...]] = (
    "Critics at the time called it a “cinéma de la débrouille” — a cinema of making do.",
    "The budget, roughly €40,000, covered little more than film stock and a café’s back "
    "room for the edit.",
    "Its director’s “naïve” framing — as one reviewer put it — was a deliberate choice.",
    "Programmers in Zürich and Montréal later restored the négatif for €120,000.",
    "Audiences queued outside the Théâtre for a film they’d been told was “unwatchable”.",
    "The soundtrack’s “rêverie” motif — scored for two pianos — returns in the final reel.",
)

CP1252_TITLES: Final[tuple[str, ...]] = (
    "Café Culture and the “Débrouille” Aesthetic — Notes From a €40,000 Film",
    "The Naïve Eye: Montréal’s Forgotten Ciné-Clubs",
    "Zürich, 1962 — How a Ciné-Club Became an Archive",
    "Rêverie and Realism — the Two Pianos of a Provincial Première",
    "“Unwatchable”: a Théâtre Audience Changes Its Mind",
)

#: Sentences meant to be printed with character references (``&rsquo;``, ``&#8212;``...).
#: ``\u00a0`` is printed as ``&nbsp;`` and reads as a plain space once whitespace is normalised.
ENTITY_SENTENCES: Final[tuple[str, ...]] = (
    "Truffaut & Godard’s quarrel — conducted in print — outlived the café where it began.",
    "The Cabinet of Dr.\u00a0Caligari’s sets were painted, not built.",
    "Its première in 1928 — a Tuesday — drew barely 40 people & one critic.",
    "“Realism,” one critic wrote, “is an attitude before it is a style.”",
    "Ticket prices rose from 2\u00a0francs to 5 — a détente between owners & projectionists.",
)

#: One sentence as (text, reference) pieces, so each common spelling is printed at least once;
#: a ``None`` reference is plain text.
ENTITY_SHOWCASE: Final[tuple[tuple[str, str | None], ...]] = (
    ("The caf", None),
    ("é", "&eacute;"),
    (" owners ", None),
    ("&", "&amp;"),
    (" the projectionists", None),
    ("’", "&#x2019;"),
    (" union ", None),
    ("—", "&#8212;"),
    (" founded in 1931 ", None),
    ("—", "&mdash;"),
    (" met each Tuesday", None),
    ("\u00a0", "&nbsp;"),
    ("night in the ", None),
    ("é", "&#233;"),
    ("cole", None),
    ("’", "&rsquo;"),
    ("s basement, with ", None),
    ("“", "&ldquo;"),
    ("free", None),
    ("”", "&#x201D;"),
    (" coffee.", None),
)

ENTITY_TITLES: Final[tuple[str, ...]] = (
    "Truffaut & Godard — a Quarrel’s Long Afterlife",
    "Dr.\u00a0Caligari’s Painted Streets & the Expressionist Set",
    "The Première That Nobody Saw — Paris, 1928",
    "“An Attitude Before a Style”: Realism & Its Critics",
)

#: (before, original-script title, after): real films named in their own scripts.
NON_LATIN_SENTENCES: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "Theo Angelopoulos’s ",
        "Ο Θίασος",
        " (The Travelling Players) unfolds in long, patient takes across decades of Greek history.",
    ),
    (
        "Mikhail Kalatozov’s ",
        "Летят журавли",
        " turned a wartime melodrama into something close to a symphony of movement.",
    ),
    ("Yasujirō Ozu’s ", "東京物語", " is still the film many programmers reach for first."),
    (
        "Youssef Chahine’s ",
        "باب الحديد",
        " (Cairo Station) set its drama inside a single railway terminus.",
    ),
    ("Andrei Tarkovsky’s ", "Зеркало", " rearranged memory into a sequence of images."),
    (
        "Kim Ki-young’s ",
        "하녀",
        " (The Housemaid) remains a touchstone of domestic suspense.",
    ),
    (
        "Fei Mu’s ",
        "小城之春",
        " (Spring in a Small Town) was rediscovered decades after its release.",
    ),
)

NON_LATIN_TITLES: Final[tuple[str, ...]] = (
    "Reading 東京物語 Seventy Years On",
    "Летят журавли and the Thaw on Screen",
    "Notes on Ο Θίασος and Greek Memory",
    "باب الحديد: Cairo Station as a City in Miniature",
    "小城之春 and the Art of Waiting",
)

NON_LATIN_TEASERS: Final[tuple[str, ...]] = (
    "How باب الحديد (Cairo Station) reframed Egyptian melodrama around a railway terminus.",
    "Why Зеркало (Mirror) still divides audiences, and why that division is productive.",
    "Ozu’s 東京物語 and the grammar of the pillow shot, revisited for new viewers.",
    "Ο Θίασος, history and the travelling troupe: a film that walks through decades.",
)

#: Paragraphs with inline markup in ``[tag|text]`` notation; ``a`` links to another host.
INLINE_SENTENCES: Final[tuple[str, ...]] = (
    "The word [em|auteur]ism entered English criticism as a slogan before it became a method.",
    "Few magazines mattered as much as [strong|Cahiers du cinéma], whose critics later "
    "became directors.",
    "Its programme notes called the film a [span|minor] work, which audiences ignored.",
    "A restored print is now available from the [a|national film archive], with new subtitles.",
    "The [em|long take] and the [em|jump cut] are less opposites than cousins.",
    "Distributors marketed it as [strong|un]classifiable, which was half true.",
    "Its working title was [i|Night Train], then [b|Night Train Home], then nothing at all.",
)

#: Paragraphs that link elsewhere on the site; ``{href}`` is filled by the builder.
LINK_SENTENCES: Final[tuple[str, ...]] = (
    "An earlier version of this essay appeared [a|in our archive].",
    "Readers asked about the draft notes, [a|collected here], for this piece.",
    "See also [a|our search results] for related titles.",
    "The distributor keeps [a|a filmography] on its own site.",
)

SPONSORED_LINES: Final[tuple[str, ...]] = (
    "Stream hundreds of restored classics free for 30 days with CineVault.",
    "Film school applications close soon: book a campus tour this week.",
    "Win two passes to a festival opening night, travel included.",
)

LIST_ITEMS: Final[tuple[str, ...]] = (
    "{Practice}, which gave {group} a reason to stay",
    "{concept} as a recurring subject",
    "a preference for {venue} over prestige premieres",
    "the {adj} habit of returning to {concept2}",
    "{Group} who trained abroad and came back",
)

LIST_INTROS: Final[tuple[str, ...]] = (
    "Three habits recur across the period:",
    "The essential ingredients, in rough order of importance:",
    "What {group} tend to mention first:",
)

MONTHS: Final[tuple[str, ...]] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
