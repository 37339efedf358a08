-- t-state-reset: per-message state does not leak: an aborted message with a
-- bad id, then a good message, then one without id on the same connection.
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T7QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
if mt.header(conn, "X-Campaign-ID", "bad id") ~= nil then error("header") end
if mt.abort(conn) ~= nil then error("abort") end
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom 2") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto 2") end
if mt.header(conn, "X-Campaign-ID", "second") ~= nil then error("header 2") end
if mt.eom(conn) ~= nil then error("eom 2") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("second message not accepted") end
if not mt.eom_check(conn, MT_HDRADD, "Feedback-ID", "second:campaign:example") then error("second: wrong id") end
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom 3") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto 3") end
if mt.rcptto(conn, "<b@dest.example>") ~= nil then error("rcptto 3b") end
if mt.header(conn, "Subject", "third") ~= nil then error("header 3") end
if mt.eom(conn) ~= nil then error("eom 3") end
if not mt.eom_check(conn, MT_HDRADD, "X-Campaign-ID", "house") then error("third: id carried over") end
mt.disconnect(conn)
