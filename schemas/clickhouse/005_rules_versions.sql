-- Every rules version that was applied (content-hash version, the validated config text, when and
-- by whom), so a change's rule_version can be explained later. Written again on a redelivery or a
-- repeated apply of the same version: ReplacingMergeTree on version keeps one row, the latest by
-- applied_at. Not partitioned: a handful of rows a year, and every query reads them all.
CREATE TABLE IF NOT EXISTS rules_versions
(
    version    String,
    content    String,
    applied_at DateTime64(3, 'UTC'),
    applied_by String
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version;
