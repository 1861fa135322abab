import SQLText

extension SessionStateMachine.Statement {
    /// What the machine needs of a classified statement.
    init(_ traits: StatementTraits) {
        self.init()
        let pinsNothing = !traits.pinsConnection && !traits.isMultiStatement && !traits.readsAutocommit
        isPlainRead = pinsNothing && ((traits.kind == .select && !traits.isLockingRead) || traits.kind == .show)
        readsPreviousStatement = traits.usesLastInsertID || traits.readsPreviousResult
        switch traits.kind {
        case .insert, .update, .delete, .replace, .call, .loadDataLocal, .other: leavesRowCount = true
        default: break
        }
        if traits.usesUserVariables { pins.insert(.userVariables) }
        if traits.usesAdvisoryLock { pins.insert(.advisoryLock) }
        if traits.usesFoundRows { pins.insert(.foundRows) }
        if traits.laterStatementChangesSession { pins.insert(.untrackedSessionChange) }
        switch traits.kind {
        case .createTemporaryTable: pins.insert(.temporaryTable)
        case .lockTables, .flushTablesWithReadLock: pins.insert(.tableLocks)
        case .sqlPrepare: pins.insert(.sqlPrepare)
        default: break
        }
    }
}
