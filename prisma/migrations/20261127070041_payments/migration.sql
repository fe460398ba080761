-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('CHARGED', 'REFUNDED');

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL,
    "booking_id" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "PaymentStatus" NOT NULL DEFAULT 'CHARGED',
    "provider_charge_id" TEXT NOT NULL,
    "provider_refund_id" TEXT,
    "charged_at" TIMESTAMPTZ(3) NOT NULL,
    "refunded_at" TIMESTAMPTZ(3),

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "payments_booking_id_key" ON "payments"("booking_id");

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------------------------
-- Added by hand: CHECK constraints, which Prisma's schema language cannot express (see the init migration).
-- ---------------------------------------------------------------------------------------------------------------

-- AddCheckConstraint
ALTER TABLE "payments"
    ADD CONSTRAINT "payments_amount_non_negative" CHECK ("amount" >= 0),
    ADD CONSTRAINT "payments_currency_iso_code" CHECK ("currency" ~ '^[A-Z]{3}$'),
    ADD CONSTRAINT "payments_refund_recorded_with_status" CHECK (
        ("status" = 'REFUNDED') = ("refunded_at" IS NOT NULL AND "provider_refund_id" IS NOT NULL)
    );
