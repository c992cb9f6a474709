"""`page_of`: the limit + 1 / slice / next-cursor step every keyset list shares."""

from cinema.core.pagination import page_of


def test_one_row_more_than_the_limit_keeps_the_limit_and_names_the_last_kept_row():
    rows, cursor = page_of([1, 2, 3, 4], 3, lambda row: f"after {row}")
    assert (list(rows), cursor) == ([1, 2, 3], "after 3")


def test_no_row_beyond_the_limit_is_the_last_page():
    asked = []
    full, full_cursor = page_of([1, 2, 3], 3, asked.append)
    short, short_cursor = page_of([1], 3, asked.append)
    empty, empty_cursor = page_of([], 3, asked.append)
    assert (list(full), full_cursor, list(short), short_cursor, list(empty), empty_cursor) == (
        [1, 2, 3],
        None,
        [1],
        None,
        [],
        None,
    )
    assert asked == []  # no cursor is built for a page with nothing after it


def test_the_cursor_is_whatever_the_caller_builds():
    rows = [("a", 10), ("b", 20), ("c", 30)]
    kept, key = page_of(rows, 2, lambda row: (row[1], row[0]))
    assert (list(kept), key) == ([("a", 10), ("b", 20)], (20, "b"))
