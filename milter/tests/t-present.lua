-- t-present: headers the message already has (any case) are not added again.
-- expect-log: T3QID: campaign=c3 .* nrcpt=1 tags=none$
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T3QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
if mt.header(conn, "x-campaign-id", "c3") ~= nil then error("header") end
if mt.header(conn, "PRECEDENCE", "list") ~= nil then error("header") end
if mt.header(conn, "feedback-id", "own:fb") ~= nil then error("header") end
if mt.header(conn, "List-Unsubscribe", "<mailto:own@example.com>") ~= nil then error("header") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("eom reply is not accept") end
if mt.eom_check(conn, MT_HDRADD) then error("added a header: " .. tostring(mt.getheader(conn, "List-Unsubscribe-Post", 0))) end
mt.disconnect(conn)
