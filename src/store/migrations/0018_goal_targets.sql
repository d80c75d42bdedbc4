-- A goal's targets for one period, in participant order: the console lists
-- them page by page after each import.
create index participant_targets_goal_period
  on participant_targets (program_id, goal_id, period, participant_id);
