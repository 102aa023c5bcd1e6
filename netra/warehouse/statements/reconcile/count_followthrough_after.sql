-- An incremental run: how many rows mart.followthrough will hold once the staged rows replace theirs (all
-- published rows, less those recomputed, plus the staged ones); the summary must count exactly that many.
SELECT (SELECT count(*) FROM mart.followthrough)
     - (SELECT count(*) FROM mart.followthrough f JOIN mart_changes c ON c.recommendation_id = f.recommendation_id)
     + (SELECT count(*) FROM mart_stage.followthrough);
