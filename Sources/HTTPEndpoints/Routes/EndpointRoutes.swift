import Foundation
import Hummingbird
import NIOCore

/// Which listener a router is for: the REST API (`admin-restapi_port`: metrics, scripts, JSON) or the dashboard
/// (`admin-web_port`: the page and the JSON it reads).
public enum EndpointRole: String, Sendable {
    case restAPI = "REST API"
    case dashboard
}

/// The routes of each listener. Handlers only read through the `ObservationSource`; what they answer is shaped by
/// `ObservationResponses` (pure).
enum EndpointRoutes {
    static func router(_ role: EndpointRole, source: any ObservationSource) -> Router<EndpointContext> {
        let router = Router(context: EndpointContext.self)
        switch role {
        case .restAPI:
            // Open, as ProxySQL serves it: Prometheus scrapes with its default settings.
            router.get("metrics") { _, _ in
                let tables = try await source.read(ObservationResponses.metricsStatements)
                return text(ObservationResponses.metrics(tables), contentType: PrometheusExposition.contentType)
            }
            // Scripts are the admin's: stats accounts only read.
            let sync = router.group("sync").add(middleware: AccountCheck(source: source, needs: .admin))
            sync.get("**") { request, context in try await runScript(request, context, source: source) }
            sync.post("**") { request, context in try await runScript(request, context, source: source) }
        case .dashboard:
            router.group().add(middleware: AccountCheck(source: source, needs: .stats)).get("/") { _, _ in
                text(DashboardPage.html, contentType: "text/html; charset=utf-8")
            }
        }
        let api = router.group("api/v1").add(middleware: AccountCheck(source: source, needs: .stats))
        for (path, statements, shape) in ObservationResponses.apiRoutes {
            api.get(RouterPath(stringLiteral: path)) { request, _ in
                let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 20
                let tables = try await source.read(statements(limit))
                return json(shape(tables))
            }
        }
        return router
    }

    static func text(_ body: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        text(value.text + "\n", contentType: "application/json", status: status)
    }

    /// `/sync/<uri>`: the active route of that method and uri runs its script with the request as one JSON argument
    /// (a POST's body, or a GET's query parameters as an object of strings), as ProxySQL calls it.
    static func runScript(_ request: Request, _ context: EndpointContext, source: any ObservationSource) async throws -> Response {
        // As ProxySQL looks it up: the first segment after /sync/ names the route.
        let uri = context.parameters.getCatchAll().first(where: { !$0.isEmpty }).map(String.init) ?? ""
        let method = request.method.rawValue
        if let origin = request.headers[.origin], !SameOrigin.matches(origin: origin, host: request.head.authority) {
            // A page of another site posting with the browser's cached credentials.
            return json(ObservationResponses.requestError("cross-origin requests may not run scripts"), status: .forbidden)
        }
        let access = await source.access()
        guard let route = access.routes.first(where: { $0.uri == uri && $0.method == method }) else {
            return json(ObservationResponses.requestError(
                "The script for method [\(method)] and route [/sync/\(uri)] was not found"), status: .badRequest)
        }
        let argument: String
        if request.method == .post {
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return json(ObservationResponses.requestError("Empty parameters"), status: .badRequest)
            }
            guard JSONSyntax.isValid(body) else {
                return json(ObservationResponses.requestError("Error parsing input JSON parameters - params: \(body)"), status: .badRequest)
            }
            argument = body
        } else {
            let parameters = QueryString.parameters(request.uri.query ?? "")
            argument = JSONValue.object(parameters.keys.sorted().map { ($0, .string(parameters[$0]!)) }).text
        }
        let outcome = await ScriptRunner.run(route.script, argument: argument, timeoutMs: route.timeoutMs)
        let (status, body) = ObservationResponses.scriptAnswer(outcome, route: route)
        return text(body, contentType: "application/json", status: HTTPResponse.Status(code: status))
    }
}

/// Each request with the address it came from (the built-in accounts are for loopback only).
struct EndpointContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Lets a request through when its Basic credentials name an account of the role it needs; otherwise 401 with a
/// challenge (403 for a built-in account from elsewhere than loopback, or a stats account asking for an admin's).
struct AccountCheck: RouterMiddleware {
    typealias Context = EndpointContext
    let source: any ObservationSource
    let needs: HTTPAccount.Role

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let accounts = await source.access().accounts
        let address = context.remoteAddress?.ipAddress ?? ""
        switch BasicCredentials.check(request.headers[.authorization], accounts: accounts, clientAddress: address) {
        case .accepted(let role) where role == .admin || needs == .stats:
            return try await next(request, context)
        case .accepted:
            return EndpointRoutes.json(.object([("error", .string("this needs an account of admin-admin_credentials"))]),
                                       status: .forbidden)
        case .localOnly:
            return EndpointRoutes.json(.object([("error", .string(
                "the built-in admin and stats accounts are accepted from this host only; add another account"))]), status: .forbidden)
        case .denied:
            var response = EndpointRoutes.json(.object([("error", .string(
                "credentials required (admin-stats_credentials or admin-admin_credentials)"))]), status: .unauthorized)
            response.headers[.wwwAuthenticate] = BasicCredentials.challenge
            return response
        }
    }
}

/// Whether a browser's `Origin` is the site it sent the request to.
enum SameOrigin {
    static func matches(origin: String, host: String?) -> Bool {
        guard let host, let url = URL(string: origin), let originHost = url.host else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }
}

/// A URL's query as form fields: `+` is a space, then percent-decoding; a repeated name keeps its last value.
enum QueryString {
    static func parameters(_ query: String) -> [String: String] {
        var out: [String: String] = [:]
        for field in query.split(separator: "&") where !field.isEmpty {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            out[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}
