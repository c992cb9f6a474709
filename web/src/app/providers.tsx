import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { useEffect, useState, type ReactNode } from 'react'

import { Spinner } from '../components/Spinner'
import { ApiError } from '../lib/errors'
import { refreshSession } from '../lib/session'

function retry(failures: number, error: unknown): boolean {
  // 4xx are answers, not accidents: asking again changes nothing
  if (error instanceof ApiError && error.status < 500) return false
  return failures < 2
}

const queryClient = new QueryClient({
  queryCache: new QueryCache(),
  mutationCache: new MutationCache(),
  defaultOptions: {
    queries: { retry, staleTime: 30_000, refetchOnWindowFocus: false },
    mutations: { retry: false },
  },
})

/** Restores the session from the refresh cookie once, before the first page renders. */
function SessionGate({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false)
  useEffect(() => {
    void refreshSession().finally(() => setReady(true))
  }, [])
  return ready ? children : <Spinner />
}

export function Providers({ children }: { children: ReactNode }) {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionGate>{children}</SessionGate>
    </QueryClientProvider>
  )
}
