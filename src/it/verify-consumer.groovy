// Run after each consumer build (basedir: that consumer): its @WskTest ran, 1 test, none failed, errored or
// skipped. "Tests run: 0" was the module-path bug this guards against.
def report = new File(basedir, 'target/surefire-reports/TEST-org.example.consumer.SocketsTest.xml')
assert report.isFile() : "no Surefire report for SocketsTest: the @WskTest did not run"
def suite = new groovy.xml.XmlSlurper().parse(report)
assert suite.@tests.toString() == '1' : "tests=${suite.@tests}"
assert suite.@failures.toString() == '0' && suite.@errors.toString() == '0' && suite.@skipped.toString() == '0'
return true
