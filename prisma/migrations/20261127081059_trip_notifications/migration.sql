-- CreateTable
CREATE TABLE "trip_notifications" (
    "dedupe_key" TEXT NOT NULL,
    "booking_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trip_notifications_pkey" PRIMARY KEY ("dedupe_key")
);

-- CreateIndex
CREATE INDEX "trip_notifications_booking_id_idx" ON "trip_notifications"("booking_id");
