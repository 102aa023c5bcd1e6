-- The ids of the sanctions an incremental link step touched (reconcile/link_sets.sql), one per line.
COPY link_touched_sanctions (sanction_id) FROM STDIN WITH (FORMAT csv)
