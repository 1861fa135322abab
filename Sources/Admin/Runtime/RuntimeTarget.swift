/// Where LOAD … TO RUNTIME lands: the running proxy. Junction's app implements it by building the
/// proxy's snapshot and publishing it; tests implement it to watch what was applied.
public protocol RuntimeTarget: AnyObject {
    /// Makes `compiled` live after `module` changed. Throwing refuses the load; the proxy keeps what it had.
    func apply(_ compiled: CompiledRuntime, changed module: AdminModule) throws
}
