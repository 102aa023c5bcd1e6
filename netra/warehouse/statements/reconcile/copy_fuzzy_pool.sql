-- Fuzzy-pool members as CSV lines (side, id, place, NIP; an empty field is null).
COPY core.fuzzy_pool (side, id, place, nip) FROM STDIN WITH (FORMAT csv)
