-- The ids of reconcile/link_sets.sql's sanctions, one per line.
COPY link_group_sanctions (sanction_id) FROM STDIN WITH (FORMAT csv)
