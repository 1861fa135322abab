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
    static func router(_ role: EndpointRole, source: any ObservationSource) -> Router<BasicRequestContext> {
        let router = Router()
        switch role {
        case .restAPI:
            // Open, as ProxySQL serves it: Prometheus scrapes with its default settings.
            router.get("metrics") { _, _ in
                let tables = try await source.read(ObservationResponses.metricsStatements)
                return text(ObservationResponses.metrics(tables), contentType: PrometheusExposition.contentType)
            }
            let sync = router.group("sync").add(middleware: AccountCheck(source: source))
            sync.get("**") { request, context in try await runScript(request, context, source: source) }
            sync.post("**") { request, context in try await runScript(request, context, source: source) }
        case .dashboard:
            router.group().add(middleware: AccountCheck(source: source)).get("/") { _, _ in
                text(DashboardPage.html, contentType: "text/html; charset=utf-8")
            }
        }
        let api = router.group("api/v1").add(middleware: AccountCheck(source: source))
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
    static func runScript(_ request: Request, _ context: BasicRequestContext, source: any ObservationSource) async throws -> Response {
        let uri = context.parameters.getCatchAll().joined(separator: "/")
        let method = request.method.rawValue
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

/// Lets a request through when its Basic credentials name an admin or stats account; otherwise 401 with a challenge.
struct AccountCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let source: any ObservationSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let accounts = await source.access().accounts
        guard BasicCredentials.authorizedUser(request.headers[.authorization], accounts: accounts) != nil else {
            var response = EndpointRoutes.json(.object([("error", .string("credentials required (admin-stats_credentials or admin-admin_credentials)"))]),
                                               status: .unauthorized)
            response.headers[.wwwAuthenticate] = BasicCredentials.challenge
            return response
        }
        return try await next(request, context)
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
