"""Segmentation of a report: paragraphs, sentences with their footnote markers, the "Key
Takeaways" list and the numbered footnote list at the end."""

import re
from dataclasses import dataclass, field

# A footnote marker as think tanks print it: "[12]" (never letters: "[CAA]" is an abbreviation
# and "[Russian]" an editorial insertion).
FOOTNOTE_MARKER = re.compile(r"\[(\d{1,3})\]")

# The heading of the key-takeaways list ("Key Takeaways:", "Key takeaways").
TAKEAWAYS_HEADING = re.compile(r"^\s*key\s+takeaways\s*:?\s*$", re.IGNORECASE)
# A list item: "- text", "• text", "* text", "1. text".
LIST_ITEM = re.compile(r"^\s*(?:[-–•*]|\d{1,2}[.)])\s+(?P<text>.+)$")
# A line of the footnote list: "[1] https://…", "1. https://…", "1 https://… ; https://…".
FOOTNOTE_LINE = re.compile(r"^\s*\[?(?P<number>\d{1,3})\]?[.:)]?\s+(?P<rest>.*https?://.*)$")
FOOTNOTE_HEADING = re.compile(r"^\s*(?:foot|end)?notes?\s*:?\s*$|^\s*sources\s*:?\s*$", re.I)
URL = re.compile(r"https?://[^\s;,<>\"]+")

# Words after which a period does not end a sentence ("Lt. Gen. Budanov", "U.S. officials").
ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "sgt",
    "adm",
    "st",
    "no",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}

# A candidate sentence end: terminal punctuation, closing quotes or brackets, footnote markers.
SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*(?:\s*\[\d{1,3}\])*(?=\s+|$)")
# What may start the next sentence: a capital, a digit or an opening quote.
SENTENCE_START = re.compile(r"\s+[\"“‘(]?[A-Z0-9]")


@dataclass
class Sentence:
    """One sentence as written, with the footnote markers that follow it."""

    text: str
    paragraph: int  # 1-based body paragraph; 0 for a key takeaway
    index: int  # 1-based position in its paragraph (or in the takeaways list)
    footnotes: list[int] = field(default_factory=list)
    key_takeaway: bool = False

    @property
    def plain(self) -> str:
        """The sentence without its footnote markers, as a claim statement reads."""
        return re.sub(r"\s{2,}", " ", FOOTNOTE_MARKER.sub("", self.text)).strip()


@dataclass
class Segmented:
    """A report split into its parts."""

    paragraphs: list[list[Sentence]]
    takeaways: list[Sentence]
    footnotes: dict[int, list[str]]

    @property
    def sentences(self) -> list[Sentence]:
        """Every body sentence, in order."""
        return [sentence for paragraph in self.paragraphs for sentence in paragraph]

    def footnote_numbers(self) -> list[int]:
        """Every footnote number, from the markers and from the list at the end."""
        numbers = {n for s in self.sentences + self.takeaways for n in s.footnotes}
        return sorted(numbers | set(self.footnotes))


def normalise_newlines(text: str) -> str:
    """One newline style, no byte-order mark, no trailing blanks."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences; footnote markers stay with the sentence they close."""
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(paragraph):
        end = match.end()
        if not SENTENCE_START.match(paragraph, end) and end < len(paragraph.rstrip()):
            continue
        # "Lt. Gen. Kyrylo Budanov": a period after a known abbreviation or an initial ("U.")
        # does not end the sentence.
        before = paragraph[start : match.start()].split()
        last_word = before[-1].lower().strip('(“"') if before else ""
        if match.group().startswith(".") and (
            last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word)
        ):
            continue
        sentence = paragraph[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def _footnote_markers(sentence: str) -> list[int]:
    return [int(number) for number in FOOTNOTE_MARKER.findall(sentence)]


def segment(text: str) -> Segmented:
    """Split a report into body paragraphs of sentences, key takeaways and footnote URLs.

    Paragraphs are lines (reports pasted from the web keep one paragraph a line; blank lines
    are tolerated). The "Key Takeaways" heading starts the list of takeaways, one item a line;
    a numbered list of URLs (at the end, usually) is the footnote list.
    """
    paragraphs: list[list[Sentence]] = []
    takeaways: list[Sentence] = []
    footnotes: dict[int, list[str]] = {}
    in_takeaways = False
    for line in normalise_newlines(text).split("\n"):
        if not line.strip():
            continue
        if TAKEAWAYS_HEADING.match(line):
            in_takeaways = True
            continue
        if FOOTNOTE_HEADING.match(line):
            in_takeaways = False
            continue
        footnote = FOOTNOTE_LINE.match(line)
        if footnote:
            number = int(footnote.group("number"))
            footnotes.setdefault(number, []).extend(URL.findall(footnote.group("rest")))
            in_takeaways = False
            continue
        item = LIST_ITEM.match(line)
        if in_takeaways and item:
            body = item.group("text").strip()
            takeaways.append(
                Sentence(
                    text=body,
                    paragraph=0,
                    index=len(takeaways) + 1,
                    footnotes=_footnote_markers(body),
                    key_takeaway=True,
                )
            )
            continue
        in_takeaways = False
        number = len(paragraphs) + 1
        paragraphs.append(
            [
                Sentence(text=s, paragraph=number, index=i, footnotes=_footnote_markers(s))
                for i, s in enumerate(split_sentences(line.strip()), start=1)
            ]
        )
    return Segmented(paragraphs=paragraphs, takeaways=takeaways, footnotes=footnotes)
