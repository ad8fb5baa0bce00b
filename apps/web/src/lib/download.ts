import { apiFetch } from './http';
import { errorInfo } from './errors';

function filenameFrom(res: Response, fallback: string): string {
  const cd = res.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain?.[1] ?? fallback;
}

/** Fetches a file (with cookies, CSRF and refresh) and hands it to the browser as a download. */
export async function downloadFile(url: string, fallbackName: string, init?: RequestInit): Promise<void> {
  const res = await apiFetch(url, init);
  if (!res.ok) {
    let message = `Téléchargement impossible (${res.status}).`;
    try {
      const body = (await res.json()) as { message?: string };
      if (body.message) message = body.message;
    } catch {
      /* not JSON */
    }
    throw new Error(message);
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filenameFrom(res, fallbackName);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export const downloadErrorMessage = (e: unknown) => errorInfo(e)?.message ?? 'Téléchargement impossible.';
