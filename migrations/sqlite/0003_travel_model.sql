-- A community's own travel-model constants for the planner (JSON of
-- planner::TravelModel); empty means the documented defaults.
ALTER TABLE communities ADD COLUMN travel_model TEXT NOT NULL DEFAULT '';
