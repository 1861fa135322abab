/// The first byte of a command packet (`COM_*`).
public enum CommandCode: UInt8, Sendable {
    case sleep = 0x00, quit = 0x01, initDB = 0x02, query = 0x03, fieldList = 0x04, createDB = 0x05, dropDB = 0x06
    case refresh = 0x07, shutdown = 0x08, statistics = 0x09, processInfo = 0x0A, connect = 0x0B, processKill = 0x0C
    case debug = 0x0D, ping = 0x0E, time = 0x0F, delayedInsert = 0x10, changeUser = 0x11, binlogDump = 0x12
    case tableDump = 0x13, connectOut = 0x14, registerSlave = 0x15
    case stmtPrepare = 0x16, stmtExecute = 0x17, stmtSendLongData = 0x18, stmtClose = 0x19, stmtReset = 0x1A
    case setOption = 0x1B, stmtFetch = 0x1C, daemon = 0x1D, binlogDumpGTID = 0x1E, resetConnection = 0x1F
}
