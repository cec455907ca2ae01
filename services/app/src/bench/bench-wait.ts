/** Polls a condition every `everyMs` (a benchmark may wait; it asserts nothing), failing after `timeoutSeconds`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutSeconds = 3600, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`benchmark step did not finish within ${timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
