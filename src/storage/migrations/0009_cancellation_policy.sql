-- Up Migration
-- Each space's cancellation policy, a preset its host picks (src/domain/cancellation-policy.ts holds
-- the tiers of each). Spaces listed before this migration get the most generous one.
alter table parking_spaces
  add column cancellation_policy text not null default 'flexible'
    check (cancellation_policy in ('flexible', 'moderate', 'strict'));

-- Down Migration
alter table parking_spaces drop column if exists cancellation_policy;
