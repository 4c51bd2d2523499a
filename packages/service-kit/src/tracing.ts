// OpenTelemetry traces. Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT is set (spans go
// there over OTLP/HTTP, in batches) or when a test asks for an in-memory exporter. Off, it
// costs nothing: no provider, context manager or propagator is registered, the API hands
// out no-op spans, and the SDK modules are never loaded (they are imported dynamically).
//
// What goes into a span is chosen here and by the callers with care: never a config var
// value, an OAuth grant code or token, an Authorization header, a log line or a URL's query
// string (the SSO login URL carries a token in it).
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, INVALID_SPAN_CONTEXT, type Attributes, type Context, type Span } from '@opentelemetry/api'
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node'
import type { FastifyInstance } from 'fastify'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { FastifyOtelInstrumentation } from '@fastify/otel'
import type { TracingConfig } from '@addonkit/config'

export interface TracingOptions {
  /** The resource's service.name (OTEL_SERVICE_NAME, else the service's own name). */
  serviceName: string
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans are posted to `<endpoint>/v1/traces`. */
  endpoint?: string | null
  /** Tests: keep finished spans in memory (exported at once, no batching) instead. */
  memory?: boolean
}

export interface Tracing {
  /** The spans finished so far (in-memory tracing only; otherwise empty). */
  finishedSpans (): ReadableSpan[]
  /** Exports the spans still waiting in the batch. */
  flush (): Promise<void>
  /** Flushes and unregisters everything; tracing is off afterwards. */
  shutdown (): Promise<void>
}

let active: Tracing | null = null
/** One @fastify/otel instrumentation for every app of the process (it reads the global provider). */
let httpInstrumentation: FastifyOtelInstrumentation | null = null

/** Whether a tracer provider is registered (startTracing ran with an endpoint or in memory). */
export function tracingEnabled (): boolean {
  return active !== null
}

/**
 * Registers the global tracer provider, the AsyncLocalStorage context manager and the W3C
 * trace-context propagator, when there is somewhere to send spans; null (and nothing
 * loaded) when not. A second call returns the tracing already running.
 */
export async function startTracing (opts: TracingOptions): Promise<Tracing | null> {
  if (active) return active
  if (!opts.endpoint && !opts.memory) return null
  const [{ NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, InMemorySpanExporter }, { W3CTraceContextPropagator }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources')
  ])
  let memory: InstanceType<typeof InMemorySpanExporter> | null = null
  let exporter: SpanExporter
  if (opts.endpoint) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
    exporter = new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, '')}/v1/traces` })
  } else {
    exporter = memory = new InMemorySpanExporter()
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    spanProcessors: [memory ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)]
  })
  provider.register({ propagator: new W3CTraceContextPropagator() })
  active = {
    finishedSpans: () => memory?.getFinishedSpans() ?? [],
    flush: () => provider.forceFlush(),
    async shutdown () {
      active = null
      httpInstrumentation = null
      await provider.shutdown().catch(() => {})
      trace.disable()
      context.disable()
      propagation.disable()
    }
  }
  return active
}

/** startTracing from a service's config (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME). */
export function startTracingFromConfig (name: string, config: TracingConfig | undefined): Promise<Tracing | null> {
  return startTracing({ serviceName: config?.serviceName ?? `addonkit-${name}`, endpoint: config?.endpoint ?? null })
}

/** Stops the tracing started in this process, exporting what is left (shutdown). */
export async function stopTracing (): Promise<void> {
  await active?.shutdown()
}

// Routes polled by orchestrators and scrapers: a span each would drown the traces.
const UNTRACED_ROUTES = new Set(['/healthz', '/readyz', '/metrics'])

/**
 * HTTP server spans (@fastify/otel) for `app`, named `METHOD /route` with the path but
 * never the query string. A no-op when tracing is off. Register before any route.
 */
export async function registerHttpTracing (app: FastifyInstance): Promise<void> {
  if (!active) return
  if (!httpInstrumentation) {
    const { FastifyOtelInstrumentation } = await import('@fastify/otel')
    httpInstrumentation = new FastifyOtelInstrumentation({
      registerOnInitialization: false,
      // A server span and the route handler's span per request, no span per hook. The
      // handler's span stays: its wrapper is what runs the handler in the request's context
      // (a POST body is read in the socket's async context, which has no span).
      instrumentHooks: false,
      ignorePaths: (route) => UNTRACED_ROUTES.has((route.url ?? '').split('?')[0]!),
      requestHook (span, request) {
        span.updateName(`${request.method} ${request.routeOptions.url ?? ''}`.trim())
        // @fastify/otel records request.url, which keeps the query string (SSO tokens).
        span.setAttribute('url.path', request.url.split('?')[0]!)
      }
    })
  }
  await app.register(httpInstrumentation.plugin())
}

/** A trace context to continue (a span's parent), as the helpers below take and return it. */
export type TraceContext = Context

const KINDS = { internal: SpanKind.INTERNAL, server: SpanKind.SERVER, client: SpanKind.CLIENT, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER } as const

export interface SpanSettings {
  kind?: keyof typeof KINDS
  attributes?: Attributes
  /** The parent (a message's or a row's trace context); the active span's context otherwise. */
  parent?: Context
}

const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT)

/**
 * Runs `fn` in a new span (made the active one) of the tracer `scope`, and ends it; a
 * thrown error is recorded on the span and rethrown. With tracing off, `fn` runs at once
 * with a no-op span.
 */
export async function withSpan<T> (scope: string, name: string, settings: SpanSettings, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!active) return fn(NOOP_SPAN)
  const parent = settings.parent ?? context.active()
  const span = trace.getTracer(scope).startSpan(name, { kind: KINDS[settings.kind ?? 'internal'], attributes: settings.attributes }, parent)
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span)
    } catch (err) {
      const e = err as Error & { code?: unknown }
      span.setAttribute('error.type', typeof e.code === 'string' ? e.code : e.name ?? 'Error')
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message })
      throw err
    } finally {
      span.end()
    }
  })
}

/** The active span's `traceparent` (W3C), to store with work done later; null when none. */
export function currentTraceparent (): string | null {
  if (!active) return null
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return carrier.traceparent ?? null
}

/** The context a stored `traceparent` stands for, as a parent; undefined when there is none. */
export function contextFromTraceparent (traceparent: string | null | undefined): Context | undefined {
  if (!active || !traceparent) return undefined
  return validOrUndefined(propagation.extract(ROOT_CONTEXT, { traceparent }))
}

/** NATS headers carrying the active span's trace context (traceparent, tracestate); undefined when none. */
export function natsTraceHeaders (): MsgHdrs | undefined {
  if (!active) return undefined
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  if (!carrier.traceparent) return undefined
  const h = natsHeaders()
  for (const [k, v] of Object.entries(carrier)) h.set(k, v)
  return h
}

/** The trace context a NATS message's headers carry, as a parent; undefined when none. */
export function contextFromNatsHeaders (h: MsgHdrs | undefined): Context | undefined {
  if (!active || !h) return undefined
  return validOrUndefined(propagation.extract(ROOT_CONTEXT, h, {
    keys: (carrier) => carrier.keys(),
    get: (carrier, key) => carrier.has(key) ? carrier.get(key) : undefined
  }))
}

function validOrUndefined (ctx: Context): Context | undefined {
  const sc = trace.getSpanContext(ctx)
  return sc && isSpanContextValid(sc) ? ctx : undefined
}
