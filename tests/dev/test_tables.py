from kb_dev.tables import format_table


def test_a_table_lines_up_its_columns_and_right_aligns_numbers():
    table = format_table(
        ["", "ndcg@10"], [["kb search", "0.512"], ["kb - BM25", "+0.012"]]
    ).splitlines()
    assert table == [
        "|           | ndcg@10 |",
        "|-----------|--------:|",
        "| kb search |   0.512 |",
        "| kb - BM25 |  +0.012 |",
    ]


def test_a_column_with_words_stays_left_aligned():
    table = format_table(["section", "value"], [["import", "707 clauses/s"], ["index", ""]])
    assert table.splitlines()[1:] == [
        "|---------|---------------|",
        "| import  | 707 clauses/s |",
        "| index   |               |",
    ]
