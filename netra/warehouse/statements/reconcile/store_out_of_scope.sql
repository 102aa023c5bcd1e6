-- One page of sanctions left out because their reason names another offence: execute_values fills in the VALUES.
INSERT INTO core.out_of_scope (sanction_id) VALUES %s;
