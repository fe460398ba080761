-- CreateTable
CREATE TABLE "event_streams" (
    "stream_id" TEXT NOT NULL,
    "stream_type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_streams_pkey" PRIMARY KEY ("stream_id")
);

-- CreateTable
CREATE TABLE "stream_events" (
    "global_position" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "stream_id" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "transaction_id" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stream_events_pkey" PRIMARY KEY ("global_position")
);

-- CreateTable
CREATE TABLE "stream_snapshots" (
    "stream_id" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    "state_version" INTEGER NOT NULL,
    "state" JSONB NOT NULL,
    "taken_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stream_snapshots_pkey" PRIMARY KEY ("stream_id")
);

-- CreateTable
CREATE TABLE "wallet_summaries" (
    "traveler" TEXT NOT NULL,
    "stream_id" TEXT NOT NULL,
    "balance" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "version" INTEGER NOT NULL,
    "open_charges" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "wallet_summaries_pkey" PRIMARY KEY ("traveler")
);

-- CreateTable
CREATE TABLE "wallet_statement_entries" (
    "stream_id" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    "traveler" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "balance_after" INTEGER NOT NULL,
    "booking_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "wallet_statement_entries_pkey" PRIMARY KEY ("stream_id","stream_position")
);

-- CreateTable
CREATE TABLE "wallet_deposit_requests" (
    "stream_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wallet_deposit_requests_pkey" PRIMARY KEY ("stream_id","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "stream_events_id_key" ON "stream_events"("id");

-- CreateIndex
CREATE INDEX "stream_events_transaction_id_global_position_idx" ON "stream_events"("transaction_id", "global_position");

-- CreateIndex
CREATE UNIQUE INDEX "stream_events_stream_id_stream_position_key" ON "stream_events"("stream_id", "stream_position");

-- CreateIndex
CREATE UNIQUE INDEX "wallet_summaries_stream_id_key" ON "wallet_summaries"("stream_id");

-- CreateIndex
CREATE UNIQUE INDEX "wallet_statement_entries_event_id_key" ON "wallet_statement_entries"("event_id");

-- CreateIndex
CREATE INDEX "wallet_statement_entries_traveler_stream_position_idx" ON "wallet_statement_entries"("traveler", "stream_position");

-- AddForeignKey
ALTER TABLE "stream_events" ADD CONSTRAINT "stream_events_stream_id_fkey" FOREIGN KEY ("stream_id") REFERENCES "event_streams"("stream_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- ---------------------------------------------------------------------------------------------------------------
-- Added by hand: what Prisma's schema language cannot express (see the init migration).
-- ---------------------------------------------------------------------------------------------------------------

-- AddCheckConstraint
ALTER TABLE "event_streams" ADD CONSTRAINT "event_streams_version_non_negative" CHECK ("version" >= 0);
ALTER TABLE "stream_events" ADD CONSTRAINT "stream_events_position_positive" CHECK ("stream_position" >= 1 AND "schema_version" >= 1);
ALTER TABLE "stream_snapshots" ADD CONSTRAINT "stream_snapshots_position_positive" CHECK ("stream_position" >= 1);
ALTER TABLE "wallet_summaries" ADD CONSTRAINT "wallet_summaries_balance_non_negative" CHECK ("balance" >= 0);
ALTER TABLE "wallet_summaries" ADD CONSTRAINT "wallet_summaries_currency_iso_code" CHECK ("currency" ~ '^[A-Z]{3}$');

-- Events are facts: once written they are never changed or removed (a correction is a new event).
CREATE FUNCTION "refuse_stream_event_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stream_events is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER "stream_events_append_only" BEFORE UPDATE OR DELETE ON "stream_events"
    FOR EACH ROW EXECUTE FUNCTION "refuse_stream_event_change"();
