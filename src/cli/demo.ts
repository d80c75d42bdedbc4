export async function runDemo(_s: unknown, _log: (l: string) => void): Promise<void> {}
