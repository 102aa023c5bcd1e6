-- Per election: reported -> registered -> proven -> recommended -> sanctioned (as of the last reconcile).
-- The view reads core as its owner; analysts only see the aggregate.
CREATE OR REPLACE VIEW mart.funnel AS
WITH subjects AS (
    SELECT r.election_id, count(*) AS reported,
           count(*) FILTER (WHERE d.decision IS DISTINCT FROM 'not_registered') AS registered
    FROM core.subjects s JOIN core.reports r USING (report_id)
    LEFT JOIN core.decisions d USING (report_id)
    GROUP BY 1
), proven AS (
    SELECT r.election_id, sum(cardinality(d.proven_nips)) AS proven
    FROM core.decisions d JOIN core.reports r USING (report_id) WHERE d.decision = 'proven' GROUP BY 1
), ft AS (
    SELECT coalesce(election_id, 'unknown') AS election_id, count(*) AS recommended,
           count(*) FILTER (WHERE status = 'sanctioned') AS sanctioned, max(as_of) AS as_of
    FROM mart.followthrough GROUP BY 1
)
SELECT election_id, coalesce(s.reported, 0) AS reported, coalesce(s.registered, 0) AS registered,
       coalesce(p.proven, 0) AS proven, coalesce(ft.recommended, 0) AS recommended,
       coalesce(ft.sanctioned, 0) AS sanctioned, ft.as_of
FROM subjects s FULL JOIN proven p USING (election_id) FULL JOIN ft USING (election_id);
GRANT SELECT ON mart.funnel TO netra_analyst, netra_pipeline;
