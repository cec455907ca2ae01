import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What a BI tool does through the official ClickHouse JDBC driver, against the BI endpoint:
 * connect with the driver's defaults, run an ad-hoc query and one docs/bi.md query, read
 * DatabaseMetaData (tables, columns of a known table), and try an INSERT, which must be refused.
 * Prints one JSON line per step for test/bi-endpoint.integration.test.ts; a failed step prints its
 * error and the program goes on, so the test sees every step.
 *
 * Usage: java -cp 'libs/*' BiJdbcCheck.java JDBC_URL USER PASSWORD TABLE BI_QUERY
 */
public class BiJdbcCheck {
  public static void main(String[] args) throws Exception {
    String url = args[0], user = args[1], password = args[2], table = args[3], biQuery = args[4];
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    try (Connection conn = DriverManager.getConnection(url, props)) {
      DatabaseMetaData meta = conn.getMetaData();
      emit("connect", "\"product\":" + json(meta.getDatabaseProductName()) + ",\"version\":" + json(meta.getDatabaseProductVersion())
          + ",\"driver\":" + json(meta.getDriverName() + " " + meta.getDriverVersion()));
      step("adhoc", () -> "\"rows\":" + rows(conn, "SELECT 1 + 1 AS two, 'segment' AS word"));
      step("bi_query", () -> "\"rows\":" + rows(conn, biQuery));
      step("tables", () -> {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = meta.getTables(null, null, "%", null)) {
          while (rs.next()) names.add(json(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME")));
        }
        return "\"tables\":" + names;
      });
      step("columns", () -> {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, null, table, "%")) {
          while (rs.next()) columns.add("[" + json(rs.getString("COLUMN_NAME")) + "," + json(rs.getString("TYPE_NAME")) + "]");
        }
        return "\"columns\":" + columns;
      });
      step("insert", () -> {
        try (Statement st = conn.createStatement()) {
          int n = st.executeUpdate("INSERT INTO " + table + " (customer_id) VALUES ('jdbc-was-here')");
          return "\"inserted\":" + n;
        }
      });
    } catch (SQLException e) {
      emit("connect", error(e));
    }
  }

  interface Step { String run() throws Exception; }

  static void step(String name, Step s) {
    try {
      emit(name, s.run());
    } catch (Exception e) {
      emit(name, error(e));
    }
  }

  static String error(Exception e) {
    String code = e instanceof SQLException ? String.valueOf(((SQLException) e).getErrorCode()) : "null";
    return "\"error\":" + json(e.getClass().getName() + ": " + e.getMessage()) + ",\"code\":" + code;
  }

  static String rows(Connection conn, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) row.add(json(rs.getString(i)));
        out.add(row.toString());
      }
    }
    return out.toString();
  }

  static void emit(String step, String fields) {
    System.out.println("{\"step\":" + json(step) + (fields.isEmpty() ? "" : "," + fields) + "}");
    System.out.flush();
  }

  static String json(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
