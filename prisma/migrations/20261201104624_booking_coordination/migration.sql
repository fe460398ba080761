-- AlterTable
ALTER TABLE "bookings" ADD COLUMN     "coordination" TEXT NOT NULL DEFAULT 'orchestration';

-- CreateIndex
CREATE INDEX "bookings_coordination_status_idx" ON "bookings"("coordination", "status");
