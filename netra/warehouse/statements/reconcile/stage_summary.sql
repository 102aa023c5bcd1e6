-- Write-audit-publish, step 1 of a full mart build (after reconcile/build_stage.sql): the summary as of the
-- run's day with the PPK SLA, from the contract's own as-of function.
INSERT INTO mart_stage.followthrough_summary (election_id, province_code, region_code, reported_asn, proven_asn,
                                              recommended, sanctioned, revoked, pending, overdue, closed,
                                              followthrough_rate, median_days_to_sanction, as_of)
SELECT f.election_id, f.province_code, f.region_code, f.reported_asn, f.proven_asn, f.recommended, f.sanctioned,
       f.revoked, f.pending, f.overdue, f.closed, f.followthrough_rate, f.median_days_to_sanction, %(as_of)s
FROM mart.followthrough_as_of(%(as_of)s, %(sla)s) f;
