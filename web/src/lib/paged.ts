// Every cursor-paged list of the API ({items, total, next_cursor}) as one infinite query.
import { keepPreviousData, useInfiniteQuery, type QueryKey } from '@tanstack/react-query'

interface Page {
  next_cursor?: string | null
}

export function usePaged<T extends Page>(
  queryKey: QueryKey,
  page: (cursor: string | undefined, signal: AbortSignal) => Promise<T>,
  { keepPrevious = false }: { keepPrevious?: boolean } = {},
) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam, signal }) => page(pageParam ?? undefined, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: T) => last.next_cursor ?? undefined,
    placeholderData: keepPrevious ? keepPreviousData : undefined,
  })
}
