"""Reading import files: formats and encodings recognised from the content, header rows, row numbers."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klient.customers.readers import UnreadableFile, open_table

FILES = Path(__file__).parent / "files"


def rows_of(path: Path) -> list[tuple[int, list[str]]]:
    return list(open_table(path).rows)


def test_it_reads_windows_1251_with_semicolons():
    table = open_table(FILES / "companies_ru_cp1251.csv")
    assert (table.format, table.encoding, table.delimiter, table.header_row) == ("csv", "cp1251", ";", 1)
    assert table.headers == ["Наименование", "ИНН", "Город", "Телефон", "Эл. почта"]
    rows = list(table.rows)
    assert [number for number, _cells in rows] == [2, 3, 4, 5]
    assert rows[0][1] == [
        "ООО «Стройматериалы Север»",
        "7707083893",
        "Москва",
        "+7 495 123-45-67",
        "info@sever-stroy.example.ru",
    ]
    assert rows[3][1][0] == ""


def test_it_reads_excel_unicode_text_utf16_tabs():
    table = open_table(FILES / "companies_excel_unicode.txt")
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-16", "\t")
    assert table.headers == ["Company", "Country", "City", "Phone Number", "E-mail", "Website"]
    rows = list(table.rows)
    assert rows[2] == (
        4,
        ["Đurđevac Mlin j.d.o.o.", "HR", "Đurđevac", "+385 48 812 345", "mlin@durdevac.example.hr", ""],
    )


def test_it_skips_title_and_blank_rows_above_the_xlsx_header():
    table = open_table(FILES / "companies_pl.xlsx")
    assert (table.format, table.header_row, table.total_rows) == ("xlsx", 3, 2)
    assert table.headers == ["Nazwa", "NIP", "Miasto", "Telefon", "Data pierwszego zamówienia"]
    assert list(table.rows) == [
        (4, ["Mleczarnia Łąkowa Sp. z o.o.", "7792433421", "Poznań", "61 852 33 44", "2019-04-02"]),
        (5, ["Piekarnia Żytnia s.c.", "5213456789", "Warszawa", "+48 22 629 11 22", "2021-11-15"]),
    ]


def test_it_reads_an_outlook_export_utf8_with_bom():
    table = open_table(FILES / "contacts_outlook.csv")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert table.headers[0] == "First Name"  # no BOM left in the first header
    assert list(table.rows)[1] == (
        3,
        [
            "Li",
            "Na",
            "上海东方贸易有限公司",
            "采购经理",
            "lina@dongfang.example.cn",
            "+86 21 5888 1234",
            "",
            "",
        ],
    )


@pytest.mark.parametrize(
    ("encoding", "text", "expected_encoding"),
    [
        ("cp1250", "Nazwa;Miasto\nZażółć gęślą jaźń;Łódź\nŚląsk Sp. z o.o.;Kraków\n", "cp1250"),
        ("cp1250", "Naziv;Grad\nĐurđevac Mlin;Đurđevac\nČelik d.d.;Sarajevo\n", "cp1250"),
        ("cp1252", "Name;City\nSociété Générale;Paris\nMüller GmbH;München\n", None),
        ("cp1251", "a\nПривет\n", "cp1251"),
        ("gb18030", "公司名称,城市\n上海东方贸易有限公司,上海\n", "gb18030"),
        ("utf-8", "Nazwa,Miasto\nŁąka,Łódź\n", "utf-8"),
    ],
)
def test_it_detects_the_encoding(tmp_path, encoding, text, expected_encoding):
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode(encoding))
    table = open_table(path)
    if expected_encoding:
        assert table.encoding == expected_encoding
    lines = [line.split(table.delimiter or ",") for line in text.strip().split("\n")]
    assert table.headers == lines[0]
    assert [cells for _number, cells in table.rows] == lines[1:]


def test_it_reads_utf16_big_endian_with_bom(tmp_path):
    path = tmp_path / "file.txt"
    path.write_bytes(codecs.BOM_UTF16_BE + "Name\tCity\nԵրևան ՍՊԸ\tԵրևան\n".encode("utf-16-be"))
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.headers) == ("utf-16", "\t", ["Name", "City"])
    assert list(table.rows) == [(2, ["Երևան ՍՊԸ", "Երևան"])]


def test_a_quoted_line_break_stays_in_its_row_and_row_numbers_count_records(tmp_path):
    path = tmp_path / "file.csv"
    path.write_text('Name|Address\n"Acme"|"Line 1\nLine 2"\n\nBeta|"say ""hi"""\n', encoding="utf-8")
    table = open_table(path)
    assert table.delimiter == "|"
    assert list(table.rows) == [(2, ["Acme", "Line 1\nLine 2"]), (4, ["Beta", 'say "hi"'])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel workbook"),
        (b"PK\x03\x04not really a zip", "not an Excel workbook"),
        (b"\x00\x01\x02\x03\x04\x05" * 100, "not a spreadsheet"),
    ],
)
def test_a_file_that_is_no_table_is_unreadable(tmp_path, content, message):
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as raised:
        open_table(path)
    assert message in raised.value.message


def test_xlsx_numbers_and_dates_read_as_a_person_sees_them(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "NIP", "Limit", "Since"])
    sheet.append(["Acme", 7792433421, 1500.5, None])
    path = tmp_path / "file.xlsx"
    workbook.save(path)
    assert list(open_table(path).rows) == [(2, ["Acme", "7792433421", "1500.5", ""])]


def test_vcard_21_quoted_printable_and_folded_lines():
    table = open_table(FILES / "contacts_phone.vcf")
    assert table.format == "vcard"
    rows = dict(table.rows)
    assert rows[1] == [
        "Zofia",
        "",
        "Wiśniewska",
        "Mleczarnia Łąkowa Sp. z o.o.",
        "Kierownik działu zakupów i logistyki krajowej",  # a quoted-printable soft line break
        "zofia@laka.example.pl",
        "z.w@gmail.example.com",
        "+48 61 852 33 44",
        "+48 601 222 333",
        "+48 61 000 11 22",
        "1980-05-17",
    ]
    # vCard 3.0: a folded line, several phones; vCard 4.0: a tel: URI.
    assert rows[2][2] == "Petrov" and rows[2][4].endswith("пеrенесено")
    assert (rows[2][7], rows[2][8]) == ("+7 495 123-45-67", "+7 916 555 01 02")
    assert (rows[3][0], rows[3][2], rows[3][7]) == ("Na", "Li", "+86-21-5888-1234")


# A Hypothesis round trip: whatever Excel-like writer wrote, we read the same cells back. ------------------

# Words of the languages written in each encoding (names, cities, words of company names).
_WORDS = {
    "utf-8": ["Zażółć", "Łódź", "Ђурђевац", "Москва", "上海贸易", "Երևան", "Müller", "café"],
    "utf-8-sig": ["Gęślą", "Kraków", "Привет", "Север", "北京科技", "Գյումրի"],
    "utf-16": ["Jaźń", "Poznań", "Екатеринбург", "深圳电子", "Վանաձոր", "Čelik"],
    "cp1250": [
        "Zażółć",
        "gęślą",
        "jaźń",
        "Łódź",
        "Kraków",
        "Poznań",
        "Wrocław",
        "Gdańsk",
        "Đurđevac",
        "Čelik",
        "Šibenik",
        "Žepče",
        "Mlin",
        "Sp.",
        "z",
        "o.o.",
    ],
    "cp1251": [
        "Москва",
        "Екатеринбург",
        "Стройматериалы",
        "Север",
        "Уральский",
        "завод",
        "ООО",
        "«Ромашка»",
        "Пётр",
        "Иванович",
        "№",
    ],
    "cp1252": [
        "Société",
        "Générale",
        "Müller",
        "Bäckerei",
        "Köln",
        "München",
        "Crème",
        "Brûlée",
        "Señor",
        "Ñandú",
        "Français",
    ],
    "gb18030": [
        "上海",
        "东方",
        "贸易",
        "有限公司",
        "北京",
        "科技",
        "集团",
        "深圳",
        "电子",
        "广州",
        "采购经理",
    ],
}
# A header in the file's language, as a real export has.
_HEADER = {
    "utf-8": "Nazwa",
    "utf-8-sig": "Nazwa",
    "utf-16": "Nazwa",
    "cp1250": "Miejscowość",
    "cp1251": "Наименование",
    "cp1252": "Société à Paris",
    "gb18030": "公司名称",
}


def _cells(encoding: str, delimiter: str) -> st.SearchStrategy[str]:
    words = st.sampled_from(_WORDS[encoding])
    ascii_words = st.text(alphabet="abcdefXYZ0123456789", min_size=1, max_size=6)
    # The file's own separator, quotes and line breaks inside cells (the writer quotes those cells).
    specials = st.sampled_from(['"', delimiter, "\n", "\r\n", " ", '""', "'"])
    # Words are separated as people type them; a Latin letter glued inside a Cyrillic word is not text.
    return st.lists(st.one_of(words, ascii_words, specials), max_size=6).map(" ".join)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[str, str, list[list[str]]]:
    encoding = draw(st.sampled_from(sorted(_WORDS)))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(min_value=2, max_value=4))
    headers = [_HEADER[encoding], *(f"Col{index}" for index in range(1, width))]
    rows = draw(
        st.lists(
            st.lists(_cells(encoding, delimiter), min_size=width, max_size=width).filter(
                lambda cells: any(cell.strip() for cell in cells)
            ),
            min_size=1,
            max_size=5,
        )
    )
    return encoding, delimiter, [headers, *rows]


@settings(
    max_examples=int(__import__("os").environ.get("READERS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(_tables())
def test_csv_round_trip_in_every_encoding(tmp_path, table):
    encoding, delimiter, rows = table
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "round.csv"
    path.write_bytes(text.getvalue().encode(encoding))
    read = open_table(path)
    assert read.delimiter == delimiter
    assert read.headers == rows[0]
    assert [cells for _number, cells in read.rows] == rows[1:]


def test_a_short_gb18030_file_is_not_read_as_windows_1251(tmp_path):
    # Found by Hypothesis: these 12 bytes also read as Cyrillic ("№«ЛѕГыіЖ", "ЙоЫЪ"), with the case
    # flipping inside words that real Russian text never shows.
    path = tmp_path / "short.csv"
    path.write_bytes("公司名称,Col1\r\n,深圳\r\n".encode("gb18030"))
    table = open_table(path)
    assert (table.encoding, table.headers, [cells for _n, cells in table.rows]) == (
        "gb18030",
        ["公司名称", "Col1"],
        [["", "深圳"]],
    )


def test_joined_russian_words_are_still_read_as_windows_1251(tmp_path):
    # Found by Hypothesis: "МоскваМосква…" flips case once per joined word, unlike a misreading.
    path = tmp_path / "joined.csv"
    path.write_bytes("Наименование,Col1\r\n,МоскваМоскваМоскваМоскваМосква\r\n".encode("cp1251"))
    table = open_table(path)
    assert (table.encoding, table.headers, [cells for _n, cells in table.rows]) == (
        "cp1251",
        ["Наименование", "Col1"],
        [["", "МоскваМоскваМоскваМоскваМосква"]],
    )


def test_a_latin_letter_inside_russian_words_does_not_make_them_western(tmp_path):
    # Found by Hypothesis: one "X" glued into Cyrillic text once tipped it to Windows-1252.
    path = tmp_path / "mixed.csv"
    path.write_bytes("Наименование,Col1\r\n,МоскваМоскваXМосква\r\n".encode("cp1251"))
    table = open_table(path)
    assert (table.encoding, table.headers) == ("cp1251", ["Наименование", "Col1"])
