// What this tab sent to Stripe Checkout, so the success page knows what access to wait for.
// Kept for the tab only (sessionStorage); it holds ids, never a credential.
const INTENT_KEY = 'cinema.checkout'

export interface CheckoutIntent {
  kind: 'subscription' | 'film'
  film_id?: string
}

export function rememberIntent(intent: CheckoutIntent): void {
  window.sessionStorage.setItem(INTENT_KEY, JSON.stringify(intent))
}

export function recallIntent(): CheckoutIntent | null {
  try {
    return JSON.parse(window.sessionStorage.getItem(INTENT_KEY) ?? 'null') as CheckoutIntent | null
  } catch {
    return null
  }
}
