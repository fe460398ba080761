-- DropIndex
DROP INDEX "outbox_events_log_position_key";

-- DropIndex
DROP INDEX "outbox_events_log_position_position_idx";

-- AlterTable
ALTER TABLE "outbox_events" DROP COLUMN "log_position",
DROP COLUMN "logged_at";

-- AlterTable
ALTER TABLE "trip_summaries" ADD COLUMN     "payment_status" TEXT;

-- DropTable
DROP TABLE "consumer_log_positions";
