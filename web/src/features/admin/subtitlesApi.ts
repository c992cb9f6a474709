import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'

import { api, unwrap, type Schemas } from '../../lib/api/client'

export type SubtitleTrack = Schemas['SubtitleOut']
type UploadBody = Schemas['Body_upload_subtitles_api_v1_admin_films__film_id__subtitles_post']

export const SUBTITLE_MAX_BYTES = 1_000_000 // the API's limit ("1 MB")

const key = (filmId: string) => ['admin', 'subtitles', filmId]

export function useSubtitleTracks(filmId: string) {
  return useQuery({
    queryKey: key(filmId),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/films/{film_id}/subtitles', { params: { path: { film_id: filmId } }, signal })),
  })
}

export function useUploadSubtitles(filmId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async ({ language, label, file }: { language: string; label: string; file: File }) => {
      const form = new FormData()
      form.append('language', language)
      form.append('label', label)
      form.append('file', file, file.name)
      // openapi-fetch sends a FormData body as it is (the browser writes the multipart boundary)
      const body = form as unknown as UploadBody
      return unwrap(
        await api.POST('/api/v1/admin/films/{film_id}/subtitles', { params: { path: { film_id: filmId } }, body }),
      )
    },
    onSuccess: () => client.invalidateQueries({ queryKey: key(filmId) }),
  })
}

export function useDeleteSubtitles(filmId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async (language: string) =>
      unwrap(
        await api.DELETE('/api/v1/admin/films/{film_id}/subtitles/{language}', {
          params: { path: { film_id: filmId, language } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: key(filmId) }),
  })
}
