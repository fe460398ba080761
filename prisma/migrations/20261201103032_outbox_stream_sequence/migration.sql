-- Where each event landed in the JetStream stream, from the broker's ack: set by the relay in the statement that marks
-- the event published, so a booking's timeline can name the stream message of each of its events. Null for events
-- published before this column existed, and for those not published yet.
ALTER TABLE "outbox_events" ADD COLUMN "stream_sequence" BIGINT;
