-- A dead-lettered event, and a later event of its booking held behind it, keep their CloudEvent in the inbox:
-- replaying them needs nothing else, whatever the broker or the outbox has pruned meanwhile.
ALTER TABLE "consumer_inbox" ADD COLUMN "envelope" JSONB;

-- Dead letters and held events of a consumer (the replay CLI, the dead-letter gauge); the prune job's age scan.
CREATE INDEX "consumer_inbox_consumer_outcome_idx" ON "consumer_inbox"("consumer", "outcome");
CREATE INDEX "consumer_inbox_processed_at_idx" ON "consumer_inbox"("processed_at");

-- What the prune job leaves behind for a booking: every sequence up to `pruned_through` was settled, so an event at
-- one of those places without an inbox row is a duplicate, however late it comes.
CREATE TABLE "consumer_inbox_watermarks" (
    "consumer" TEXT NOT NULL,
    "booking_id" TEXT NOT NULL,
    "pruned_through" INTEGER NOT NULL,
    "pruned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consumer_inbox_watermarks_pkey" PRIMARY KEY ("consumer","booking_id")
);
