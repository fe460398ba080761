export function createNoopActivities() {
  return {
    async noop(): Promise<void> {},
  };
}
