-- The recommendations and sanctions the link step works on by id, filled with COPY: an incremental run's group
-- (whose steps 1-2 it re-runs; a full run's leftovers, whose names and agencies the fuzzy step needs) and what
-- it touched (the group and the fuzzy component: their links and review pairs are replaced).
CREATE TEMP TABLE link_group_recommendations (recommendation_id text PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE link_group_sanctions (sanction_id text PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE link_touched_recommendations (recommendation_id text PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE link_touched_sanctions (sanction_id text PRIMARY KEY) ON COMMIT DROP;
