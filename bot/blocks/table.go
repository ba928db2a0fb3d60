package blocks

import (
	"fmt"
	"math"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Data table limits, https://docs.slack.dev/reference/block-kit/blocks/data-table-block:
// a header row plus 1–100 rows, every row as long as the header, page_size
// 1–100, a caption. TableChars keeps every cell's text together well under
// the table's character budget.
const (
	TableRows     = 100
	TablePageSize = 20
	TableChars    = 10000
	maxCellText   = 60 // a name or owner cell; the table stays readable and within TableChars
)

// ActionOpenCardTable is the account-name button of a table row (value:
// account id); it opens the card like ActionOpenCard.
const ActionOpenCardTable = "health_open_card_table"

// ListTable renders a list page as a data table: account (a button that
// opens its card), band, score, 28-day change, MRR, renewal and owner as
// sortable, filterable columns. Slack pages it TablePageSize rows at a time.
func ListTable(l List) *slack.DataTableBlock {
	header := []slack.DataTableCell{
		slack.NewDataTableRawTextCell("Account"), slack.NewDataTableRawTextCell("Band"),
		slack.NewDataTableRawTextCell("Score"), slack.NewDataTableRawTextCell("28d change"),
		slack.NewDataTableRawTextCell("MRR"), slack.NewDataTableRawTextCell("Renewal"),
		slack.NewDataTableRawTextCell("Owner"),
	}
	rows := [][]slack.DataTableCell{header}
	for _, r := range l.Rows[:min(len(l.Rows), TableRows)] {
		rows = append(rows, tableRow(r))
	}
	t := slack.NewDataTableBlock(Truncate(l.Title, 150))
	t.BlockID = "list_table"
	t.Rows = rows
	t.PageSize = min(TablePageSize, len(rows)-1)
	return t
}

func tableRow(r Row) []slack.DataTableCell {
	name := Truncate(r.Name, maxCellText)
	open := Button(ActionOpenCardTable, strconv.FormatInt(r.ID, 10), name)
	cells := []slack.DataTableCell{
		slack.NewDataTableActionCell(open).WithFallback(slack.NewDataTableRawTextCell(name)),
		slack.NewDataTableRawTextCell(BandEmoji(rowBand(r)) + " " + BandName(rowBand(r))),
	}
	if r.Scored && r.Band != "" {
		cells = append(cells, slack.NewDataTableRawNumberCell(math.Round(r.Score*10)/10).WithText(Score(r.Score)))
	} else {
		cells = append(cells, slack.NewDataTableRawTextCell("–"))
	}
	if r.Delta28 != nil {
		cells = append(cells, slack.NewDataTableRawNumberCell(math.Round(*r.Delta28*10)/10).WithText(Delta(r.Delta28)))
	} else {
		cells = append(cells, slack.NewDataTableRawTextCell("–"))
	}
	cells = append(cells, slack.NewDataTableRawNumberCell(math.Round(r.MRR)).WithText("$"+Money(r.MRR)))
	renewal := "–"
	if !r.RenewalDate.IsZero() {
		renewal = Date(r.RenewalDate)
	}
	return append(cells, slack.NewDataTableRawTextCell(renewal), slack.NewDataTableRawTextCell(Truncate(ownerName(r.Owner), maxCellText)))
}

// ownerName is the owner as plain text (a table cell takes no mentions).
func ownerName(o scoring.CSM) string {
	switch {
	case o.Name != "":
		return o.Name
	case o.Email != "":
		return o.Email
	}
	return "nobody"
}

// checkDataTable applies the data table's documented limits.
func checkDataTable(t *slack.DataTableBlock) error {
	if t.Caption == "" {
		return fmt.Errorf("data table without a caption")
	}
	if n := len(t.Rows); n < 2 || n > TableRows+1 {
		return fmt.Errorf("%d rows with the header, want 2–%d", n, TableRows+1)
	}
	if t.PageSize < 0 || t.PageSize > 100 {
		return fmt.Errorf("page_size %d, want 1–100", t.PageSize)
	}
	chars := 0
	for i, row := range t.Rows {
		if len(row) != len(t.Rows[0]) || len(row) == 0 || len(row) > 20 {
			return fmt.Errorf("row %d has %d cells, the header %d (1–20)", i, len(row), len(t.Rows[0]))
		}
		for _, c := range row {
			switch c := c.(type) {
			case *slack.DataTableRawTextCell:
				chars += Length(c.Text)
			case *slack.DataTableRawNumberCell:
				chars += Length(c.Text)
			case *slack.DataTableActionCell:
				if i == 0 {
					return fmt.Errorf("the header row holds an action cell")
				}
				if err := checkButton(c.Element); err != nil {
					return err
				}
				chars += Length(c.Element.Text.Text)
			case *slack.DataTableRichTextCell:
				if i == 0 {
					return fmt.Errorf("the header row holds a rich_text cell")
				}
			}
		}
	}
	if chars > TableChars {
		return fmt.Errorf("%d characters in the cells, budget %d", chars, TableChars)
	}
	return nil
}
