"""Reading import files: CSV, XLSX and vCard, recognised from their content, streamed row by row.

`open_table(path)` answers a `Table`: the header row (found below any title or blank rows) and an
iterator of the data rows as lists of strings, each with its row number as a person counts rows in
Excel (a CSV record with a quoted line break is still one row; for vCards, the card's place in the
file). Nothing here knows about companies or contacts.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import decimal
import io
import itertools
import quopri
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SAMPLE_SIZE = 64 * 1024
# How many non-blank rows at the top of a file may hold titles and notes before the header.
HEADER_SEARCH_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
# What Excel and ERPs write in the countries Klient serves, when a file has no BOM and is not UTF-8.
LEGACY_ENCODINGS = ("cp1250", "cp1251", "cp1252", "gb18030")
csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFile(Exception):
    """The file cannot be read as a table at all (not one row of it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """A file's header row and its data rows, read lazily."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number in the file, 1-based; cells as text)
    format: str  # "csv" | "xlsx" | "vcard"
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1
    # Data rows below the header when the file says so cheaply (an XLSX sheet's dimension); else None.
    total_rows: int | None = None


def open_table(path: Path | str) -> Table:
    """Recognise the file from its content and open it; UnreadableFile when it is no table we can read."""
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            head = stream.read(8)
    except OSError as error:
        raise UnreadableFile(_("The file cannot be opened: %(error)s") % {"error": error.strerror}) from None
    if not head:
        raise UnreadableFile(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            _("This is an old Excel workbook (.xls). Save it as .xlsx or CSV in Excel and import that file.")
        )
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        sample = text.read(SAMPLE_SIZE)
    stripped = sample.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise UnreadableFile(_("The file is empty."))
    if stripped[:11].upper() == "BEGIN:VCARD":
        return _open_vcard(path, encoding)
    if _looks_binary(sample):
        raise UnreadableFile(_("This is not a spreadsheet or a text file that can be read as a table."))
    delimiter = detect_delimiter(sample)
    return _open_csv(path, encoding, delimiter)


# Encodings ------------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The text encoding of a file: its BOM, else strict UTF-8 over the whole file, else the likeliest
    legacy encoding (Windows-1250/1251/1252, GB18030)."""
    with open(path, "rb") as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        first = stream.read(SAMPLE_SIZE)
        utf16 = _utf16_without_bom(first)
        if utf16:
            return utf16
        stream.seek(0)
        if _is_utf8(stream):
            return "utf-8"
        stream.seek(0)
        sample = _non_ascii_sample(stream)
    return guess_legacy_encoding(sample)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows a zero byte in every other place (for Latin text)."""
    data = data[: len(data) // 2 * 2][:4096]
    if len(data) < 4:
        return None
    even_zeros = data[0::2].count(0)
    odd_zeros = data[1::2].count(0)
    half = len(data) // 2
    if odd_zeros > half * 0.4 and even_zeros < half * 0.05:
        return "utf-16-le"
    if even_zeros > half * 0.4 and odd_zeros < half * 0.05:
        return "utf-16-be"
    return None


def _is_utf8(stream: io.BufferedReader) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _non_ascii_sample(stream: io.BufferedReader, limit: int = 256 * 1024) -> bytes:
    """The lines of the file that hold non-ASCII bytes (up to `limit` bytes): what tells encodings apart."""
    kept: list[bytes] = []
    size = 0
    for line in stream:
        if not line.isascii():
            kept.append(line)
            size += len(line)
            if size >= limit:
                break
    return b"".join(kept)


_CE_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻčďěňřšťůžýáíéúČĎĚŇŘŠŤŮŽÝÁÍÉÚđĐöüőűÖÜŐŰäÄ„”–—…")
# Romanian and Slovak letters: rarer, and what French "à" or "â" turn into when misread as Windows-1250.
_CE_RARE = set("âăîşţÂĂÎŞŢôĺľŕÔĹĽŔ«»")
_WESTERN_LETTERS = set("éèêëàâäçîïôöùûüñáíóúßÉÈÊÀÂÄÇÎÔÖÙÛÜÑÁÍÓÚ’‘“”–—…€")
# Rarer in Western text, and what Polish "ść", "ś" and "ź" turn into when misread as Windows-1252.
_WESTERN_RARE = set("œæøåãõÿŒÆØÅÃÕŸ«»°¿¹³")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _is_cased_as_words_are(word: str) -> bool:
    """Whether a word is lower-case, Capitalised, UPPER-CASE or CamelCase made of such words.

    Case flipping every letter or two ("ЛѕГыіЖ") is what GB18030 bytes look like when read as
    Windows-1251; joined words ("МоскваМосква") flip case only once per word.
    """
    if word.islower() or word.isupper():
        return True
    words = 1 + sum(1 for before, after in itertools.pairwise(word) if before.islower() and after.isupper())
    return len(word) / words >= 3


def _cyrillic_points(text: str) -> float:
    # Russian words are written in Cyrillic alone: a Cyrillic letter next to a Latin one is a misreading.
    points = 0.0
    for word in _WORDS.findall(text):
        if len(word) > 1 and all(_CYRILLIC.match(char) for char in word):
            points += 0.5 * len(word) if _is_cased_as_words_are(word) else -0.5 * len(word)
    for index, char in enumerate(text):
        if _CYRILLIC.match(char):
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            if not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha()):
                points += 1
        elif char in "«»№–—…„“”":
            points += 1
    return points


def _gb_points(text: str) -> float:
    points = 0.0
    for char in text:
        if char.isascii():
            continue
        code = ord(char)
        if 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF:
            points += 3  # CJK and full-width punctuation (1.5 a byte, as a whole Cyrillic word scores)
        elif 0x4E00 <= code <= 0x9FFF:
            try:
                first = char.encode("gb2312")[0]
            except UnicodeEncodeError:
                first = 0
            # The common characters (GB 2312 level 1) count fully; rare ones (what Cyrillic bytes read
            # as GB18030 turn into) count half.
            points += 3 if 0xB0 <= first <= 0xD7 else 1
    return points


_WORDS = re.compile(r"[^\W\d_]+")


def _letter_points(letters: set[str], rare: frozenset[str] = frozenset()) -> Any:
    def points(text: str) -> float:
        total = 0.0
        for char in text:
            if char in letters:
                total += 1
            elif char in rare:
                total += 0.25
        # Latin-script words mix plain letters with a few accented ones ("Société", "Miejscowość"); a
        # long word of accented letters alone, or with a stray plain one, is more likely Cyrillic misread.
        for word in _WORDS.findall(text):
            if word.isascii():
                continue
            plain_share = sum(1 for char in word if char.isascii()) / len(word)
            accented = sum(1 for char in word if char in letters)
            if plain_share >= 1 / 3:
                total += 0.5 * accented
            elif len(word) >= 5 and plain_share < 1 / 5:
                total -= 0.75 * accented
        return total

    return points


_SCORERS = {
    "cp1250": _letter_points(_CE_LETTERS, frozenset(_CE_RARE)),
    "cp1251": _cyrillic_points,
    "cp1252": _letter_points(_WESTERN_LETTERS, frozenset(_WESTERN_RARE)),
    "gb18030": _gb_points,
}


def guess_legacy_encoding(sample: bytes) -> str:
    """The legacy encoding that reads the sample as the most plausible letters of its languages.

    Each candidate decodes the bytes strictly; its score is the share of non-ASCII bytes that became
    letters or punctuation of the languages written in it. Ties go to charset-normalizer.
    """
    non_ascii = sum(1 for byte in sample if byte >= 0x80) or 1
    scores: dict[str, float] = {}
    decoded: dict[str, str] = {}
    for encoding in LEGACY_ENCODINGS:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        decoded[encoding] = text
        scores[encoding] = _SCORERS[encoding](text) / non_ascii
    if not scores:
        return "cp1252"  # reads every byte but five; those become U+FFFD
    best = max(scores.values())
    tied = [encoding for encoding, score in scores.items() if best - score < 1e-9]
    if len({decoded[encoding] for encoding in tied}) == 1:
        return tied[0]
    from charset_normalizer import from_bytes

    match = from_bytes(sample, cp_isolation=tied).best()
    return match.encoding if match is not None and match.encoding in tied else tied[0]


def _looks_binary(sample: str) -> bool:
    controls = sum(1 for char in sample[:4096] if char < " " and char not in "\t\r\n\f\v")
    return "\x00" in sample[:4096] or controls > len(sample[:4096]) * 0.05


# Delimiters and header rows -------------------------------------------------------------------------


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits the first records into the most consistent number of columns (> 1)."""
    # Drop the last line of the sample: it may be cut in the middle.
    if len(sample) >= SAMPLE_SIZE and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    best: tuple[int, int, int] = (0, 0, 0)
    chosen = ","
    for delimiter in DELIMITERS:
        try:
            records = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 50))
        except csv.Error:
            continue
        counts = [len(record) for record in records if any(cell.strip() for cell in record)]
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        if counts[0] == width:
            frequency += 1  # the header row (first non-blank) counts twice: it holds no stray separators
        score = (1 if width > 1 else 0, frequency, width)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _header_and_rows(
    numbered_rows: Iterator[tuple[int, list[str]]],
) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    """Find the header row: the first row (of the first few non-blank ones) that is about as full as the
    fullest; rows above it are titles or notes. Blank rows are dropped."""
    non_blank = ((number, cells) for number, cells in numbered_rows if any(cell.strip() for cell in cells))
    top = list(itertools.islice(non_blank, HEADER_SEARCH_ROWS))
    if not top:
        raise UnreadableFile(_("The file has no rows."))
    filled = [sum(1 for cell in cells if cell.strip()) for _number, cells in top]
    needed = max(1, -(-max(filled) * 4 // 5))  # at least 80% of the fullest row, rounded up
    index = next(i for i, count in enumerate(filled) if count >= needed)
    header_number, header_cells = top[index]
    headers = _unique_headers(header_cells)
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, cells in itertools.chain(top[index + 1 :], non_blank):
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            yield number, cells

    return headers, header_number, rows()


def _unique_headers(cells: list[str]) -> list[str]:
    # Trailing empty header cells are spreadsheet padding; others get a name so a mapping can name them.
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    headers: list[str] = []
    seen: Counter[str] = Counter()
    for position, cell in enumerate(cells, start=1):
        name = " ".join(cell.split()) or _("Column %(number)d") % {"number": position}
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        headers.append(name)
    return headers


# CSV ------------------------------------------------------------------------------------------------


def _open_csv(path: Path, encoding: str, delimiter: str) -> Table:
    headers, header_row, rows = _header_and_rows(_csv_records(path, encoding, delimiter))
    return Table(
        headers=headers,
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
    )


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        try:
            for number, record in enumerate(reader, start=1):
                yield number, record
        except csv.Error as error:
            raise UnreadableFile(
                _("Row %(row)d cannot be read: %(error)s") % {"row": number + 1, "error": error}
            ) from None


def count_csv_records(path: Path, encoding: str, delimiter: str) -> int:
    """How many records the CSV file holds (for a progress bar; a fast pass over the file)."""
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        try:
            return sum(1 for record in csv.reader(text, delimiter=delimiter, strict=False) if record)
        except csv.Error:
            return 0


# XLSX -----------------------------------------------------------------------------------------------


def _open_xlsx(path: Path) -> Table:
    import openpyxl

    # A file object, not the path: openpyxl refuses names without an Excel extension, and we go by content.
    handle = open(path, "rb")  # noqa: SIM115 - closed with the workbook, when the rows are read
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # a damaged ZIP or XML shows as many kinds of errors
        handle.close()
        raise UnreadableFile(
            _("This ZIP file is not an Excel workbook that can be read (%(error)s).") % {"error": error}
        ) from None
    sheet = workbook.active or (workbook.worksheets[0] if workbook.worksheets else None)
    if sheet is None:
        workbook.close()
        handle.close()
        raise UnreadableFile(_("The workbook has no sheets."))
    declared_rows = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row > 1 else None
    # Some writers declare a wrong sheet size; read what is there instead.
    sheet.reset_dimensions()

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                yield number, [_cell_text(value) for value in values]
        finally:
            workbook.close()
            handle.close()

    headers, header_row, rows = _header_and_rows(records())
    return Table(
        headers=headers,
        rows=rows,
        format="xlsx",
        header_row=header_row,
        total_rows=declared_rows - header_row if declared_rows and declared_rows > header_row else None,
    )


def _cell_text(value: Any) -> str:
    """A cell's value as a person reads it (numbers without a spurious ".0", dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | int):
        return str(value)
    return str(value)


# vCard ----------------------------------------------------------------------------------------------

VCARD_HEADERS = [
    "first_name",
    "middle_name",
    "last_name",
    "company",
    "position",
    "email",
    "other_emails",
    "phone",
    "mobile",
    "other_phones",
    "birthday",
]


def _open_vcard(path: Path, encoding: str) -> Table:
    def rows() -> Iterator[tuple[int, list[str]]]:
        with open(path, encoding=encoding, errors="replace", newline="") as text:
            for number, card in enumerate(_vcard_texts(text), start=1):
                yield number, vcard_cells(card)

    return Table(headers=list(VCARD_HEADERS), rows=rows(), format="vcard", encoding=encoding)


def _vcard_texts(lines: Iterable[str]) -> Iterator[str]:
    """Each card's text, with vCard 2.1 quoted-printable soft line breaks joined."""
    card: list[str] = []
    inside = False
    pending = ""
    for raw in lines:
        line = raw.rstrip("\r\n")
        if pending:
            line, pending = pending + line, ""
        if _is_qp_line(line) and line.endswith("="):
            pending = line[:-1]
            continue
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            inside, card = True, [line.strip()]
        elif upper == "END:VCARD" and inside:
            card.append(line.strip())
            yield "\r\n".join(card) + "\r\n"
            inside, card = False, []
        elif inside:
            card.append(line)


def _is_qp_line(line: str) -> bool:
    name, colon, _value = line.partition(":")
    return bool(colon) and "QUOTED-PRINTABLE" in name.upper()


def vcard_cells(card: str) -> list[str]:
    """One card as cells in the order of VCARD_HEADERS; a card that cannot be parsed gives empty cells."""
    import vobject

    try:
        component = vobject.readOne(card, ignoreUnreadable=True)
    except Exception:  # vobject raises many kinds of errors for broken cards
        return [""] * len(VCARD_HEADERS)
    first = middle = last = company = position = birthday = ""
    emails: list[tuple[bool, str]] = []
    phones: list[tuple[str, str]] = []
    for line in component.getChildren():
        name = line.name.upper()
        types = _vcard_types(line)
        value = line.value
        if name == "N" and hasattr(value, "given"):
            first, middle, last = (_join(value.given), _join(value.additional), _join(value.family))
        elif name == "FN" and not (first or last):
            parts = str(value).split()
            if parts:
                first, last = " ".join(parts[:-1]), parts[-1]
        elif name == "ORG":
            company = str(value[0] if isinstance(value, list) and value else value).strip()
        elif name == "TITLE":
            position = _qp(line, str(value)).strip()
        elif name == "EMAIL":
            emails.append(("PREF" in types, _qp(line, str(value)).strip()))
        elif name == "TEL":
            number = _qp(line, str(value)).strip()
            if number.lower().startswith("tel:"):
                number = number[4:]
            phones.append(("CELL" if "CELL" in types else "WORK" if "WORK" in types else "", number))
        elif name == "BDAY":
            birthday = str(value).strip()
    # The preferred email first; the rest as other emails.
    ordered = [email for _pref, email in sorted(emails, key=lambda item: not item[0]) if email]
    mobile = next((number for kind, number in phones if kind == "CELL"), "")
    rest = [number for kind, number in phones if number and number != mobile]
    main = next((number for kind, number in phones if kind == "WORK" and number != mobile), "")
    main = main or (rest[0] if rest else "")
    others = [number for number in rest if number != main]
    return [
        first.strip(),
        middle.strip(),
        last.strip(),
        company,
        position,
        ordered[0] if ordered else "",
        ", ".join(ordered[1:]),
        main,
        mobile,
        ", ".join(others),
        birthday,
    ]


def _join(value: Any) -> str:
    return " ".join(value) if isinstance(value, list) else str(value or "")


def _vcard_types(line: Any) -> set[str]:
    types: set[str] = {str(item).upper() for item in getattr(line, "singletonparams", [])}
    for item in line.params.get("TYPE", []):
        types.update(part.strip().upper() for part in str(item).split(","))
    return types


def _qp(line: Any, value: str) -> str:
    # vobject decodes quoted-printable itself; a value still marked as encoded is decoded here.
    if "QUOTED-PRINTABLE" in [str(item).upper() for item in line.params.get("ENCODING", [])]:
        charset = (line.params.get("CHARSET") or ["utf-8"])[0]
        try:
            return quopri.decodestring(value.encode("latin-1")).decode(charset, errors="replace")
        except (LookupError, UnicodeEncodeError):
            return value
    return value
