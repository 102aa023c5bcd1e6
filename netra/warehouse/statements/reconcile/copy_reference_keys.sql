-- Normalised references that differ from the text they were made from, as CSV lines (side, id, key).
COPY core.reference_keys (side, id, ref_key) FROM STDIN WITH (FORMAT csv)
