-- Why each rules version was published, in the publisher's words (the record's `note`: "value tiers
-- calibrated from the population", a reason typed at `rules publish`), so BI can show it beside the
-- version. Rows written before this migration read ''.
ALTER TABLE rules_versions ADD COLUMN IF NOT EXISTS note String DEFAULT '';
