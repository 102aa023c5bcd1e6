-- An incremental run: how many rows mart.followthrough will hold once the staged rows replace theirs (the
-- published rows not recomputed, plus the staged ones); the summary must count exactly that many.
SELECT (SELECT count(*) FROM mart.followthrough f
        WHERE NOT EXISTS (SELECT 1 FROM mart_changes c WHERE c.recommendation_id = f.recommendation_id))
     + (SELECT count(*) FROM mart_stage.followthrough);
