"""Table rows that carry their context (rag.read.table): cells, column labels, the period a question
picks, and the sentence that states one figure. Pure functions: no files, no models."""
from rag.read.table import best_column, best_columns, cells, column_fits, figure, header_text, labelled, parse_header, readable, row_cells

QUARTERS = header_text("Statements of Operations (in millions, except per share data)",
                       ["Three Months Ended March 31, 2031", "Three Months Ended March 31, 2030",
                        "Nine Months Ended March 31, 2031", "Nine Months Ended March 31, 2030"])
YEARS = header_text("Harbour fees (in thousands)", ["2029", "2028", "2027"])


def test_header_round_trip_keeps_context_and_columns():
    h = parse_header(QUARTERS)
    assert h.context.startswith("Statements of Operations")
    assert h.columns[2] == "Nine Months Ended March 31, 2031"
    assert parse_header(header_text("Only a title", [])).columns == ()
    assert parse_header("| Name | Role | Since |").columns == ("Role", "Since")  # a text table's first row
    assert readable(YEARS) == "Harbour fees (in thousands): 2029 | 2028 | 2027"


def test_row_cells_read_figures_from_the_right():
    assert row_cells("Net sales $ 1,204 $ 1,090 $ 3,551 $ 3,002", 4) == ("Net sales", ["$1,204", "$1,090", "$3,551", "$3,002"])
    assert row_cells("Restructuring (7) 34 - (16)", 4) == ("Restructuring", ["(7)", "34", "-", "(16)"])
    assert row_cells("Gross margin 41.2 % 39.8 %", 2) == ("Gross margin", ["41.2%", "39.8%"])
    assert row_cells("Berth 4 | 12 | 15", 2) == ("Berth 4", ["12", "15"])
    assert row_cells("Net sales $ 1,204 $ 1,090", 4) is None  # fewer figures than columns: not guessed


def test_labelled_puts_each_figure_beside_its_column():
    text = labelled(QUARTERS, "Net sales $ 1,204 $ 1,090 $ 3,551 $ 3,002")
    assert "Net sales" in text and "Statements of Operations" in text
    assert "Three Months Ended March 31, 2030: $1,090" in text
    assert "Nine Months Ended March 31, 2031: $3,551" in text
    # a row that does not fit the columns still carries the context
    assert labelled(QUARTERS, "Net sales 1,204").startswith("Statements of Operations")


def test_best_column_follows_the_period_the_question_names():
    cols = parse_header(QUARTERS).columns
    assert best_column("What were net sales in the three months ended March 31, 2030?", cols) == 1
    assert best_column("Net sales for the nine months ended March 31, 2031?", cols) == 2
    assert best_column("What were net sales in the quarter ended March 31, 2031?", cols) == 0
    assert best_column("What were net sales?", cols) is None  # no period named: no column guessed
    assert best_column("Harbour fees in fiscal 2028?", parse_header(YEARS).columns) == 1
    assert best_column("Harbour fees in 2026?", parse_header(YEARS).columns) is None


def test_figure_states_value_unit_and_period():
    q = "What were net sales in the three months ended March 31, 2030?"
    assert figure(q, QUARTERS, "Net sales $ 1,204 $ 1,090 $ 3,551 $ 3,002") == \
        "Net sales: $1,090 million, for the three months ended March 31, 2030"
    assert figure("Harbour fees in 2027?", YEARS, "Mooring 310 295 288") == "Mooring: 288 thousand, in 2027"
    # a per-share figure is not scaled by the table's unit
    assert figure(q, QUARTERS, "Diluted earnings per share $ 0.41 $ 0.37 $ 1.20 $ 1.02") == \
        "Diluted earnings per share: $0.37, for the three months ended March 31, 2030"
    # ... nor one under a per-share group label, though the unit line says "except per share data"
    per_share = QUARTERS.replace(" || ", " Earnings per common share––diluted: || ")
    assert figure(q, per_share, "Net income $ 0.41 $ 0.37 $ 1.20 $ 1.02") == \
        "Net income: $0.37, for the three months ended March 31, 2030"
    assert figure("What were net sales?", QUARTERS, "Net sales $ 1,204 $ 1,090 $ 3,551 $ 3,002") is None
    # a change between two years needs both figures
    assert figure("How did mooring fees change from 2028 to 2029?", YEARS, "Mooring 310 295 288") == \
        "Mooring: 310 thousand, in 2029; 295 thousand, in 2028 (a change of +15 thousand, +5.1%, from the earlier period)"


def test_cells_skip_the_empty_label_over_row_labels_and_read_repeated_labels_as_one_column():
    # an empty header cell over the row labels is no column: the footnote mark stays in the label
    head = header_text("Non-GAAP results ($ in millions)", ["", "Three Months Ended May 1, 2032", "Three Months Ended May 2, 2031"])
    assert cells(head, "Tax impact of adjustments (4) (0.06) (0.02)") == \
        (("Three Months Ended May 1, 2032", "Three Months Ended May 2, 2031"), "Tax impact of adjustments (4)", ["(0.06)", "(0.02)"])
    # a "$" sign set in a column of its own repeats each label; the row holds one figure per label
    sheet = header_text("Balance Sheets ($ in millions)", ["May 1, 2032", "May 1, 2032", "May 2, 2031", "May 2, 2031"])
    assert cells(sheet, "Total assets $ 15,803 $ 17,504") == (("May 1, 2032", "May 2, 2031"), "Total assets", ["$15,803", "$17,504"])
    assert figure("What were total assets as of May 2, 2031?", sheet, "Total assets $ 15,803 $ 17,504") == \
        "Total assets: $17,504 million, as of May 2, 2031"
    assert cells(sheet, "Total assets $ 15,803") is None  # one figure for two columns: not guessed


def test_a_bare_year_column_reads_with_the_year_end_its_title_names():
    head = header_text("Statements of Income ($ in millions) For the years ended June 30,", ["2032", "2031"])
    assert figure("What were net sales in fiscal 2031?", head, "Net sales 3,540 3,393") == \
        "Net sales: 3,393 million, for the year ended June 30, 2031"
    # an EPS or a rate is never scaled by the table's unit
    assert figure("What was diluted EPS in 2032?", head, "Diluted EPS $ 0.71 $ 0.53") == \
        "Diluted EPS: $0.71, for the year ended June 30, 2032"
    assert figure("What was the tax rate in 2032?", head, "Effective tax rate 21.4 % 18.9 %") == \
        "Effective tax rate: 21.4%, for the year ended June 30, 2032"



def test_year_columns_read_with_the_span_their_title_gives_them():
    """Two tables of the same row, one titled "Three Months Ended December 31," and one "Twelve Months
    Ended December 31,", both over "2032 | 2031": a fourth-quarter question reads the first, a
    full-year one the second, and each answer says which span it is."""
    quarter = header_text("Earnings per share: Three Months Ended December 31,", ["2032", "2031"])
    year = header_text("Earnings per share: Twelve Months Ended December 31,", ["2032", "2031"])
    row = "Diluted earnings per share $ 0.69 $ 0.23"
    q4 = "What were diluted earnings per share in the fourth quarter of 2031?"
    assert best_column(q4, cells(quarter, row)[0]) == 1
    assert max(column_fits(q4, cells(quarter, row)[0])) > max(column_fits(q4, cells(year, "Diluted earnings per share $ 3.49 $ 2.41")[0]))
    assert figure(q4, quarter, row) == "Diluted earnings per share: $0.23, for the three months ended December 31, 2031"
    # two spans over four year columns split them in order
    both = header_text("Three Months Ended December 31, Twelve Months Ended December 31,", ["2032", "2031", "2032", "2031"])
    assert cells(both, "Net revenues 3,590 3,207 13,127 9,680")[0] == (
        "Three Months Ended December 31, 2032", "Three Months Ended December 31, 2031",
        "Twelve Months Ended December 31, 2032", "Twelve Months Ended December 31, 2031")
    assert figure("What were net revenues for the full year 2032?", both, "Net revenues 3,590 3,207 13,127 9,680") \
        == "Net revenues: 13,127, for the twelve months ended December 31, 2032"
    # a title without a month and day leaves the year columns as printed
    plain = header_text("Earnings per share, three months ended", ["2032", "2031"])
    assert cells(plain, row)[0] == ("2032", "2031")


def test_a_table_by_category_reads_the_column_the_question_names():
    """A vote tally's columns name no period ("Votes For | Votes Against | ..."): the question's words
    pick one, and the answer says which; words that several columns share pick none."""
    votes = header_text("The votes were cast as set forth below: Name", ["Votes For", "Votes Against", "Abstentions"])
    row = "Mary Lee 54,484,293 16,105,005 77,685"
    q = "How many votes were cast against Mary Lee's election in 2032?"
    assert best_column(q, cells(votes, row)[0]) == 1
    assert figure(q, votes, row) == "Mary Lee: 16,105,005 (Votes Against)"
    assert best_column("How many votes did Mary Lee receive?", cells(votes, row)[0]) is None
    # a column of shares answers only a question that asks for one, though it shares the question's word
    shares = header_text("Statement of earnings, second quarter of 2032 (in millions)", ["Amount", "Percent to Sales"])
    assert figure("What were sales to customers in the second quarter of 2032?", shares,
                  "Sales to customers $ 21,519 100.0 %") == "Sales to customers: $21,519 million (Amount)"
    assert figure("What was gross profit as a percent of sales in the second quarter of 2032?", shares,
                  "Gross profit 15,057 70.0 %") == "Gross profit: 70.0% (Percent to Sales)"


def test_a_table_whose_rows_are_periods_reads_the_row_the_period_names_and_the_column_its_words_name():
    """A store count by quarter: the rows are the quarters ("3 rd Quarter", a PDF's raised "rd" set
    apart), the first column's label says their year, the columns what is counted. The third
    quarter's stores at its end are read from that row and the end column; another quarter asked is
    not read from it."""
    store = header_text("Store update", ["Fiscal 2032", "Total stores open at beginning of the quarter",
                                         "Number of stores opened during the quarter", "Total stores open at end of the quarter"])
    third, first = "3 rd Quarter 1,325 18 1,343", "1 st Quarter 1,308 10 1,318"
    q = "How many stores were open at the end of the third quarter of fiscal 2032?"
    assert figure(q, store, third) == "Total stores open at end of the quarter: 1,343, for the 3rd quarter fiscal 2032"
    assert figure(q, store, first) is None
    assert figure("How many stores were opened during the first quarter of fiscal 2032?", store, first) == \
        "Number of stores opened during the quarter: 10, for the 1st quarter fiscal 2032"

def test_date_columns_read_with_the_span_their_title_says_ended_on_them():
    """A 10-K's "Fiscal Years Ended" over "January 28, 2033 | January 29, 2032": a year's earnings are
    for the year ended on that date, not "as of" it; two spans over four dates split them in order; a
    balance sheet's dates, under no span, stay dates."""
    years = header_text("Statements of earnings ($ in millions) Fiscal Years Ended", ["January 28, 2033", "January 29, 2032"])
    q = "What were net earnings in the fiscal year ended January 29, 2032?"
    assert figure(q, years, "Net earnings $ 1,419 $ 2,454") == \
        "Net earnings: $2,454 million, for the fiscal year ended January 29, 2032"
    both = header_text("Three Months Ended Six Months Ended", ["July 30, 2033", "July 31, 2032", "July 30, 2033", "July 31, 2032"])
    assert cells(both, "Revenue 13,507 6,704 20,699 14,992")[0] == (
        "Three Months Ended July 30, 2033", "Three Months Ended July 31, 2032",
        "Six Months Ended July 30, 2033", "Six Months Ended July 31, 2032")
    sheet = header_text("Balance sheets ($ in millions)", ["January 28, 2033", "January 29, 2032"])
    assert figure("What were total assets as of January 29, 2032?", sheet, "Total assets $ 15,803 $ 17,504") == \
        "Total assets: $17,504 million, as of January 29, 2032"

GLUED = """Harbour Crane Review

Table: Cranes on the north quay, spring survey

CraneOperatorLifting limitLast inspection
Crane AlphaNorthline Stevedores42 tonnesMarch 2031
Crane BetaQuayside Lifting Services38 tonnesFebruary 2031

The review found that JavaScript dashboards and PowerPoint slides were used to report lifts to the board.
Both cranes passed their inspection and no further works are planned this year.
"""


def test_a_table_saved_without_cell_borders_reads_as_cells():
    from rag.read.text import read_text

    doc = read_text(GLUED.encode(), "cranes.txt", "x")
    kinds = {doc.text[b.start:b.end]: b for b in doc.blocks}
    assert kinds["CraneOperatorLifting limitLast inspection"].kind == "table_head"
    beta = kinds["Crane BetaQuayside Lifting Services38 tonnesFebruary 2031"]
    assert beta.kind == "table_row"
    text = labelled(beta.header, doc.text[beta.start:beta.end])
    assert "Operator: Quayside Lifting Services" in text and "Lifting limit: 38 tonnes" in text
    assert text.startswith("Table: Cranes on the north quay")
    # glued brand names in a sentence are prose, not a table
    prose = next(b for t, b in kinds.items() if t.startswith("The review found"))
    assert prose.kind == "paragraph" and not prose.header


def test_a_column_of_another_month_does_not_answer_a_dated_question():
    cols = ["July 29, 2031", "January 28, 2031", "July 30, 2030"]
    assert best_column("What were total assets as of July 30, 2030?", cols) == 2
    assert best_column("What were total assets as of January 29, 2030?", cols) is None  # not July 30, 2030
    assert best_column("What were total assets as of January 29, 2030?", ["2031", "2030"]) == 1  # a year's column


def test_columns_of_one_period_are_told_apart_by_the_question_s_words():
    cols = ["Fiscal 2031 Stores at Beginning of Second Quarter", "Fiscal 2031 Stores Opened",
            "Fiscal 2031 Stores at End of Second Quarter", "Fiscal 2030 Stores at End of Second Quarter"]
    assert best_column("How many stores were open at the end of the second quarter of fiscal 2031?", cols) == 2
    # no word says which: the count the quarter ended with, not the one it began with (a roll-forward's
    # opening column is the quarter before's close)
    assert best_column("How many stores in the second quarter of fiscal 2031?", cols) == 2
    assert best_column("How many stores were open at the beginning of the second quarter of fiscal 2031?", cols) == 0


def test_an_amount_with_its_share_of_sales_reads_as_the_amount():
    header = header_text("Statements of income (in thousands)",
                         ["13 Weeks Ended January 28, 2031", "13 Weeks Ended January 29, 2030",
                          "13 Weeks Ended January 29, 2030"])
    columns, label, vals = cells(header, "Net sales $ 3,226,773 100.0% $ 2,729,388 100.0%")
    assert label == "Net sales" and vals == ["$3,226,773", "$2,729,388"] and len(columns) == 2


def test_a_fiscal_year_named_for_another_year_than_its_date_is_read_by_the_date():
    """"Fourth quarter of fiscal 2029 (13 weeks ended January 29, 2030)": one period, in the column that
    prints the date, not a change from 2029 to 2030; "13 weeks" is a quarter, "52 weeks" a year."""
    cols = ["13 Weeks Ended January 29, 2030", "13 Weeks Ended January 30, 2029"]
    q = "What were net sales in the fourth quarter of fiscal 2029 (13 weeks ended January 29, 2030)?"
    assert best_columns(q, cols) == [0]
    years = ["52 Weeks Ended January 29, 2030", "13 Weeks Ended January 29, 2030"]
    assert best_column("What were net sales in the fourth quarter ended January 29, 2030?", years) == 1


RETAILER = """Lakeshore Outfitters, Inc. quarterly report for the second quarter of fiscal 2032.
Our fiscal 2032 second quarter ended August 2, 2031. Revenue in the second quarter of fiscal 2032 rose 4%
against the second quarter of fiscal 2031. For fiscal 2032 we expect growth; fiscal 2031 was a weak year.
Fiscal 2032 began on February 2, 2031. In fiscal 2032 we opened 12 stores; in fiscal 2031 we opened 9.
Balance sheet dates: August 2, 2031, August 3, 2030 and February 1, 2031. The quarter ended August 2, 2031
compares with the quarter ended August 3, 2030.
"""


def test_a_documents_fiscal_calendar_is_read_from_the_years_it_names_beside_its_dates():
    from rag.read.fiscal import calendar_of

    cal = calendar_of(RETAILER)
    # a 52-week quarter ending August 2 closes July's period, which falls in the next fiscal year
    assert (cal.month, cal.offset) == (7, 1)
    assert cal.fiscal_year(8, 3, 2030) == 2031 and cal.fiscal_year(2, 1, 2031) is None
    # fiscal years named for the calendar year: nothing to mark (a plain year already reads right)
    same = RETAILER.replace("fiscal 2031", "fiscal 2030").replace("fiscal 2032", "fiscal 2031")
    assert calendar_of(same) is None
    assert calendar_of("Revenue for the quarter ended August 2, 2031 and August 3, 2030.") is None  # no fiscal years


def test_a_fiscal_year_asked_reads_the_column_its_calendar_marks():
    """Columns print dates; the document's calendar marks their fiscal years, so "the second quarter of
    fiscal 2031" is the column of August 3, 2030, and a calendar year still reads the date."""
    from rag.read.fiscal import calendar_of, label_columns
    from rag.read.table import figure, header_text

    header = label_columns(header_text("Statements of income (in millions)", [
        "Three Months Ended August 2, 2031", "Three Months Ended August 3, 2030"]), calendar_of(RETAILER))
    assert header.endswith("August 3, 2030 (fiscal 2031)")
    row = "Revenue $ 2,410 $ 2,318"
    assert figure("What was revenue in the second quarter of fiscal 2031?", header, row) == \
        "Revenue: $2,318 million, for the three months ended August 3, 2030 (fiscal 2031)"
    assert figure("What was revenue in the second quarter of fiscal 2032?", header, row).startswith("Revenue: $2,410")
    assert figure("What was revenue for the quarter ended August 2031?", header, row).startswith("Revenue: $2,410")


def test_a_bare_year_column_of_a_10k_states_the_fiscal_year_its_title_names():
    """A 10-K titled "... fiscal year ended June 30, 2032" (`rag.read.filing`): a segment table over
    "2032 | 2031" states "for the fiscal year ended June 30, 2031"; a 52/53-week year (January 29)
    ends on another day each year, so its bare years stay bare; a balance sheet's "As of June 30,"
    reads "as of June 30, 2031"."""
    from rag.read.table import year_end_of

    assert year_end_of("Harbour Group plc, Form 10-K, fiscal year ended June 30, 2032") == "June 30"
    assert year_end_of("Lakeshore Outfitters, Form 10-K, fiscal year ended January 29, 2032") == ""
    assert year_end_of("Harbour Group plc, Form 10-Q, quarter ended March 31, 2032") == ""
    segment = header_text("Ferries Segment ($ in millions)", ["2032", "2031"])
    q = "What were Ferries net sales in fiscal 2031?"
    assert figure(q, segment, "Net sales $ 3,540 $ 3,393", "June 30") == \
        "Net sales: $3,393 million, for the fiscal year ended June 30, 2031"
    assert figure(q, segment, "Net sales $ 3,540 $ 3,393") == "Net sales: $3,393 million, in 2031"
    sheet = header_text("Consolidated Balance Sheets ($ in millions) As of June 30,", ["2032", "2031"])
    assert figure("What were total assets as of June 30, 2031?", sheet, "Total assets $ 17,003 $ 17,426", "June 30") \
        == "Total assets: $17,426 million, as of June 30, 2031"


def test_a_figure_printed_in_thousands_is_also_said_in_millions_or_billions():
    head = header_text("SUPPLEMENTAL DATA – NET REVENUES (In thousands)", ["2031", "2030"])
    q = "What were Ferries net revenues in 2031?"
    assert figure(q, head, "Ferries 319,517 309,250") == "Ferries: 319,517 thousand (about 320 million), in 2031"
    assert figure(q, head, "Ferries $ 3,592,216 $ 3,056,892") == "Ferries: $3,592,216 thousand (about 3.6 billion), in 2031"
    assert figure(q, head, "Ferries (54,979) 5,015") == "Ferries: (54,979) thousand (about -55 million), in 2031"
    assert figure(q, head, "Ferries 952 940") == "Ferries: 952 thousand, in 2031"  # reads well as printed
    millions = header_text("Statements of income (in millions)", ["2031", "2030"])
    assert figure(q, millions, "Net revenues 13,127 9,680") == "Net revenues: 13,127 million, in 2031"


def test_the_quarter_named_picks_its_column_among_quarters_of_one_year():
    """A recast statement labels its columns "2031 Q1", "2031 Q2", "2031 SIX MONTHS": the second quarter
    asked is read from Q2, not from Q1, the first column of the same year and span."""
    cols = ["2031 Q1 Amount", "2031 Q2 Amount", "2031 SIX MONTHS Amount"]
    assert best_column("What were sales to customers in the second quarter of 2031?", cols) == 1
    assert best_column("Sales to customers in Q1 2031?", cols) == 0
    assert best_column("Sales to customers in 2Q 2031?", cols) == 1
    assert best_column("Sales to customers in the first six months of 2031?", cols) == 2



def test_a_year_and_a_label_read_as_one_column_label_are_two_columns_when_the_row_says_so():
    """A PDF sets "2021" and "Change" close together: "2022 | 2021 Change" over three values."""
    header = header_text("Hotel statistics for the Strip: Three Months Ended December 31,", ["2022", "2021 Change"])
    cols, label, vals = cells(header, "Average daily rate (ADR) $ 260 $ 201 30 %")
    assert label == "Average daily rate (ADR)" and vals == ["$260", "$201", "30%"]
    assert cols[1] == "Three Months Ended December 31, 2021" and cols[2] == "Change"
    assert figure("What was the average daily rate in the fourth quarter of 2021?", header,
                  "Average daily rate (ADR) $ 260 $ 201 30 %").startswith("Average daily rate (ADR): $201, for the three")
    # a row with as many values as the labels as printed reads as printed
    assert cells(header, "Rooms 1,200 1,150")[0] == ("Three Months Ended December 31, 2022", "2021 Change")


def test_a_change_asked_within_one_period_is_read_against_the_same_period_a_year_before():
    """"How much did R&D decrease in the second quarter of 2031?" names one period: the change is its
    figure against the same quarter a year before (whose last day differs), in the currency the
    table's unit line names when its cells print none."""
    cols = ["Three Months Ended July 2, 2031", "Three Months Ended July 3, 2030", "Six Months Ended July 2, 2031",
            "Six Months Ended July 3, 2030"]
    header = header_text("Costs and expenses ($ in millions)", cols)
    row = "Research and development expenses 2,648 2,815 5,153 5,116"
    said = figure("How much did research and development expenses decrease in the second quarter of 2031?", header, row)
    assert said.startswith("Research and development expenses: 2,648 million, for the three months ended July 2, 2031; "
                           "2,815 million, for the three months ended July 3, 2030"), said
    assert said.endswith("(a change of -$167 million, -5.9%, from the earlier period)"), said
    half = figure("How much did research and development expenses change in the first six months of 2031?", header, row)
    assert "5,153 million" in half and "5,116 million" in half and "(a change of +$37 million" in half
    # a level asked is read alone
    assert figure("What were research and development expenses in the second quarter of 2031?", header, row) == \
        "Research and development expenses: 2,648 million, for the three months ended July 2, 2031"


def test_a_change_in_a_table_with_no_currency_takes_the_documents_for_amounts_only():
    """A "(MILLIONS)" table names no currency: the change of an amount is said in the sign the
    document prints elsewhere (`currency`), a share count's is not, and with no sign given none is guessed."""
    cols = ["Three Months Ended July 2, 2031", "Three Months Ended July 3, 2030"]
    header = header_text("Costs and expenses (MILLIONS)", cols)
    asked = "How much did research and development expenses decrease in the second quarter of 2031?"
    row = "Research and development expenses 2,648 2,815"
    assert figure(asked, header, row, currency="$").endswith("(a change of -$167 million, -5.9%, from the earlier period)")
    assert figure(asked, header, row).endswith("(a change of -167 million, -5.9%, from the earlier period)")
    shares = figure("How much did weighted-average shares outstanding decrease in the second quarter of 2031?",
                    header, "Weighted-average shares outstanding 5,650 5,700", currency="$")
    assert shares.endswith("(a change of -50 million, -0.9%, from the earlier period)"), shares


def test_a_documents_currency_is_the_one_sign_its_retrieved_passages_print():
    from rag.answer.compose import _currencies
    from rag.types import Hit

    def hit(source, text):
        return Hit(source, 0, len(text), text, 1.0)

    hits = (hit("a.pdf", "lower spending of $190 million on programs"), hit("a.pdf", "Revenues 2,648 2,815"),
            hit("b.pdf", "sales of €40 million"), hit("c.pdf", "$5 million and £3 million"))
    currency = _currencies(hits)
    assert currency.get("a.pdf") == "$" and currency.get("b.pdf") == "€"
    assert "c.pdf" not in currency and "d.pdf" not in currency  # two signs; no passage


def test_year_columns_under_a_title_that_names_one_quarter_are_that_quarter():
    """A release prints the same rows under "2032 | 2031" in tables titled "FIRST QUARTER", "THIRD
    QUARTER", "TWELVE MONTHS": a third-quarter question reads the third quarter's table, not the first
    one found; a title that names two periods, or none, leaves the years as printed."""
    row = "North $ 10,794 10,338 4.4 % 4.4 —"
    columns = ["2032", "2031", "Percent Change Total", "Percent Change Operations", "Percent Change Currency"]
    first, third, year = (header_text(f"(Dollars in Millions) {t} Sales to customers by region", columns)
                          for t in ("FIRST QUARTER", "THIRD QUARTER", "TWELVE MONTHS"))
    q3 = "What were North sales in the third quarter of 2031?"
    assert cells(third, row)[0][:2] == ("Third quarter, 2032", "Third quarter, 2031")
    assert max(column_fits(q3, cells(third, row)[0])) > max(column_fits(q3, cells(first, row)[0]))
    assert max(column_fits(q3, cells(third, row)[0])) > max(column_fits(q3, cells(year, row)[0]))
    assert best_column(q3, cells(third, row)[0]) == 1
    assert cells(year, row)[0][0] == "Twelve months, 2032"
    both = header_text("FIRST QUARTER and SIX MONTHS", columns)
    assert cells(both, row)[0][:2] == ("2032", "2031")


def test_a_column_that_names_a_part_after_its_period_says_the_part_apart():
    """"Twelve Months Ended June 30, 2032 Cargo Handling", a segment's column under its period: the figure
    reads "for the twelve months ended June 30, 2032 (Cargo Handling)", the period first, whole."""
    segments = header_text("Adjusted EBIT by segment ($ million)",
                           [f"Twelve Months Ended June 30, {y} {s}" for y in (2031, 2032) for s in ("Ferries", "Cargo Handling")])
    row = "Adjusted EBIT 1,517 289 1,429 265"
    assert figure("What was adjusted EBIT of the Cargo Handling segment in fiscal 2032, the year ended June 30, 2032?",
                  segments, row) == "Adjusted EBIT: 265 million, for the twelve months ended June 30, 2032 (Cargo Handling)"
    # a label whose words after the year are a period's stays one phrase
    stores = header_text("Stores", ["Fiscal 2032 Total Stores at End of Second Quarter"])
    assert figure("How many stores at the end of the second quarter of fiscal 2032?", stores, "Total 969") \
        == "Total: 969, in Fiscal 2032 Total Stores at End of Second Quarter"


def test_a_column_that_states_its_unit_has_it_said_after_the_figure():
    """"2032 $ million" over a figure: the unit goes with the figure, the year alone is the period."""
    header = header_text("Adjusted non-GAAP results", ["2031 $ million", "2032 $ million"])
    assert figure("What was Harbour's adjusted EBITDA in 2032?", header, "EBITDA 2,117 2,018") \
        == "EBITDA: 2,018 million, in 2032"
    # a scale the title states is not said twice
    header = header_text("Results (in millions)", ["2031 (in millions)", "2032 (in millions)"])
    assert figure("What was Harbour's revenue in 2032?", header, "Revenue 2,117 2,018") == "Revenue: 2,018 million, in 2032"
