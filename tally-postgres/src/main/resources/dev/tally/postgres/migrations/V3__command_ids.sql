-- Command ids. EventStore.execute puts a command's id on its first event only, in
-- metadata.attributes."tally.commandId" (with "tally.commandEvents", how many events it wrote).
-- This index makes a second event with the same id in a stream fail the append statement
-- (SQLSTATE 23505 on ${prefix}events_command), atomically with the version key; the adapter
-- reports it as a DuplicateCommand. Only events that carry an id are in the index.
CREATE UNIQUE INDEX ${prefix}events_command ON ${schema}.${prefix}events
    (store, aggregate_id, (metadata -> 'attributes' ->> 'tally.commandId'))
    WHERE (metadata -> 'attributes' ->> 'tally.commandId') IS NOT NULL;
