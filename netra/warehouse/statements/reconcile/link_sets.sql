-- The recommendations and sanctions the link step works on by id: an incremental run's group (whose steps 1-2
-- it re-runs), or a full run's leftovers (whose names and agencies the fuzzy step needs). Filled with COPY.
CREATE TEMP TABLE link_group_recommendations (recommendation_id text PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE link_group_sanctions (sanction_id text PRIMARY KEY) ON COMMIT DROP;
