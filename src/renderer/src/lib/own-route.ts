// A view kept alive while hidden must not follow another view's URL: Draw's ?run= is not
// Train's ?run=, and Runs must not re-read an epoch because Compare's query changed. Each view
// reads the route through this: the route as it was when the view was last the one shown.
import { shallowRef, watch } from 'vue'
import { useRoute, type LocationQuery, type RouteParams } from 'vue-router'

export function useOwnRoute(name: string) {
  const route = useRoute()
  const query = shallowRef<LocationQuery>(route.name === name ? route.query : {})
  const params = shallowRef<RouteParams>(route.name === name ? route.params : {})
  watch(
    () => [route.name, route.query, route.params] as const,
    ([current, q, p]) => {
      if (current !== name) return
      query.value = q
      params.value = p
    }
  )
  return { query, params }
}
