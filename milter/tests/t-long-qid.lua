-- t-long-qid: a queue id (macro "i") longer than 64 bytes is not copied
-- into log lines: the message is tempfailed with a log line that says why
-- and shows only the id's first 16 bytes; nothing is changed.  A 64-byte
-- id (the bound) is still accepted and tagged.
-- expect-log: QQQQQQQQQQQQQQQQ\.\.\.: tempfail: queue id \(macro i\) longer than 64 bytes
-- expect-log: R{64}: campaign=spring from=<news@sender\.example>

-- one message with queue id QID; returns the connection after end of message
local function send(qid)
	local conn = mt.connect(sock, 50, 0.1)
	if conn == nil then error("cannot connect to " .. sock) end
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
	if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
	if mt.header(conn, "X-Campaign-ID", "spring") ~= nil then error("header") end
	if mt.eom(conn) ~= nil then error("eom") end
	return conn
end

-- the 451 4.3.0 reply text is set, so the answer is a reply code
local conn = send(string.rep("Q", 65))
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("65-byte queue id: no 4xx reply code") end
if mt.eom_check(conn, MT_HDRADD) then error("added a header to a tempfailed message") end
mt.disconnect(conn)

conn = send(string.rep("R", 64))
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("64-byte queue id: not accepted") end
if not mt.eom_check(conn, MT_HDRADD, "Precedence", "bulk") then error("64-byte queue id: not tagged") end
mt.disconnect(conn)
