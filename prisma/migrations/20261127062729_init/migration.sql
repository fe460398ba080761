-- CreateEnum
CREATE TYPE "OfferKind" AS ENUM ('flight', 'hotel', 'car');

-- CreateEnum
CREATE TYPE "BookingStatus" AS ENUM ('PENDING', 'CONFIRMED', 'COMPENSATED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('RESERVED', 'CANCELLED');

-- CreateTable
CREATE TABLE "offers" (
    "id" UUID NOT NULL,
    "kind" "OfferKind" NOT NULL,
    "name" TEXT NOT NULL,
    "capacity" INTEGER NOT NULL,
    "available" INTEGER NOT NULL,
    "price_amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "offers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bookings" (
    "id" TEXT NOT NULL,
    "status" "BookingStatus" NOT NULL DEFAULT 'PENDING',
    "traveler_name" TEXT NOT NULL,
    "traveler_email" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "failure_reason" TEXT,
    "workflow_started_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_idempotency_keys" (
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "booking_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_idempotency_keys_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "reservations" (
    "id" UUID NOT NULL,
    "booking_id" TEXT NOT NULL,
    "kind" "OfferKind" NOT NULL,
    "offer_id" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "ReservationStatus" NOT NULL DEFAULT 'RESERVED',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "reservations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "saga_steps" (
    "idempotency_key" TEXT NOT NULL,
    "booking_id" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saga_steps_pkey" PRIMARY KEY ("idempotency_key")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "position" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "aggregate_type" TEXT NOT NULL,
    "aggregate_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL DEFAULT 1,
    "data" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("position")
);

-- CreateIndex
CREATE INDEX "offers_kind_created_at_idx" ON "offers"("kind", "created_at");

-- CreateIndex
CREATE INDEX "bookings_traveler_email_idx" ON "bookings"("traveler_email");

-- CreateIndex
CREATE INDEX "bookings_status_workflow_started_at_idx" ON "bookings"("status", "workflow_started_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_idempotency_keys_booking_id_key" ON "api_idempotency_keys"("booking_id");

-- CreateIndex
CREATE INDEX "reservations_offer_id_idx" ON "reservations"("offer_id");

-- CreateIndex
CREATE UNIQUE INDEX "reservations_booking_id_kind_key" ON "reservations"("booking_id", "kind");

-- CreateIndex
CREATE INDEX "saga_steps_booking_id_idx" ON "saga_steps"("booking_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_id_key" ON "outbox_events"("id");

-- CreateIndex
CREATE INDEX "outbox_events_aggregate_id_position_idx" ON "outbox_events"("aggregate_id", "position");

-- CreateIndex
CREATE INDEX "outbox_events_published_at_position_idx" ON "outbox_events"("published_at", "position");

-- AddForeignKey
ALTER TABLE "api_idempotency_keys" ADD CONSTRAINT "api_idempotency_keys_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_offer_id_fkey" FOREIGN KEY ("offer_id") REFERENCES "offers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------------------------
-- Added by hand: CHECK constraints, which Prisma's schema language cannot express (prisma/schema.prisma points here).
-- The database itself refuses impossible inventory and money values, whatever code path writes them.
-- `prisma migrate diff` ignores CHECK constraints, so a later generated migration neither drops nor repeats these.
-- ---------------------------------------------------------------------------------------------------------------

-- AddCheckConstraint
ALTER TABLE "offers"
    ADD CONSTRAINT "offers_capacity_non_negative" CHECK ("capacity" >= 0),
    ADD CONSTRAINT "offers_available_non_negative" CHECK ("available" >= 0),
    ADD CONSTRAINT "offers_available_within_capacity" CHECK ("available" <= "capacity"),
    ADD CONSTRAINT "offers_price_amount_non_negative" CHECK ("price_amount" >= 0),
    ADD CONSTRAINT "offers_currency_iso_code" CHECK ("currency" ~ '^[A-Z]{3}$');

-- AddCheckConstraint
ALTER TABLE "reservations"
    ADD CONSTRAINT "reservations_quantity_positive" CHECK ("quantity" > 0),
    ADD CONSTRAINT "reservations_amount_non_negative" CHECK ("amount" >= 0);
