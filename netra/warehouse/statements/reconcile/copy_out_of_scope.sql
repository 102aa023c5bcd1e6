-- Sanctions left out because their reason names another offence, one id per line.
COPY core.out_of_scope (sanction_id) FROM STDIN WITH (FORMAT csv)
