"""skycover:coverage: coverage per altitude band (`skycover coverage`)."""
import glob
import json
import os
import re

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputNumber,
    QgsProcessingOutputRasterLayer,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
)

from . import layers, runner, scenario
from .base import SkycoverAlgorithm
from .staging import StagedFolder

HYPOTHESES = ["none (the site layer only)", "uniform", "high_ground", "grid"]


def band_key(name):
    """'multiplicity_agl_50m.tif' -> ('agl', 50.0) for ordering bands as the summary does."""
    m = re.search(r"_(agl|msl)_(-?[0-9.]+)m\.", name)
    return (m.group(1), float(m.group(2))) if m else ("", 0.0)


def add_coverage_layers(context, cov_dir, final_cov_dir, results):
    """Register the products of a `skycover coverage` folder as outputs and layers to load."""
    rasters = sorted(glob.glob(os.path.join(cov_dir, "multiplicity_*.tif")), key=lambda p: band_key(os.path.basename(p)))
    polys = sorted(glob.glob(os.path.join(cov_dir, "coverage_*.gpkg")), key=lambda p: band_key(os.path.basename(p)))
    final = lambda p: os.path.join(final_cov_dir, os.path.basename(p))  # noqa: E731
    results["MULTIPLICITY"] = [final(p) for p in rasters]
    results["POLYGONS"] = [final(p) for p in polys]
    results["LOWEST_ENGAGEABLE"] = final(os.path.join(cov_dir, "lowest_engageable_agl_m.tif"))
    results["SUMMARY"] = final(os.path.join(cov_dir, "summary.csv"))
    results["REPORT"] = final(os.path.join(cov_dir, "report.html"))
    for p in rasters:
        band = os.path.basename(p)[len("multiplicity_"):-len(".tif")]
        layers.load_on_completion(context, final(p), f"sites able to engage, {band}", "MULTIPLICITY",
                                  [("sites able to engage", "multiplicity"), ("covered or not", "covered")])
    for p in polys:
        band = os.path.basename(p)[len("coverage_"):-len(".gpkg")]
        layers.load_on_completion(context, final(p), f"covered, {band}", "POLYGONS", [("covered", "coverage_polygons")])
    layers.load_on_completion(context, results["LOWEST_ENGAGEABLE"], "lowest engageable height AGL (m)",
                              "LOWEST_ENGAGEABLE", [("lowest engageable", "lowest_engageable")])
    layers.load_on_completion(context, results["SUMMARY"], "coverage summary", "SUMMARY")


class CoverageAlgorithm(SkycoverAlgorithm):
    NAME = "coverage"
    DISPLAY = "Coverage"
    HELP = ("<p>Share of an area over which at least one site can engage a target, per altitude band, with "
            "terrain masking, Earth curvature and refraction (<code>skycover coverage</code>; docs/coverage.md).</p>"
            "<p>Sites come from a point layer (one deployment per system named in its system field) and/or a "
            "placement hypothesis with a count. Outputs: per band a multiplicity raster (sites able to engage; "
            "its second style shows covered or not) and coverage polygons, the lowest engageable height, the "
            "summary table (CSV, also loaded as a table) and the HTML report.</p>")

    def initAlgorithm(self, config=None):  # noqa: N802
        scenario.add_terrain_params(self)
        scenario.add_area_param(self)
        scenario.add_site_params(self, optional=True)
        scenario.add_system_params(self)
        self.addParameter(QgsProcessingParameterEnum(
            "HYPOTHESIS", "Placement hypothesis (sites placed by skycover, with the System parameter)",
            options=HYPOTHESES, defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "COUNT", "Sites to place (uniform, high_ground; a cap for grid)", QgsProcessingParameterNumber.Integer,
            defaultValue=20, minValue=1))
        self.addParameter(scenario.advanced(QgsProcessingParameterNumber(
            "SPACING_M", "Grid: lattice spacing (m)", QgsProcessingParameterNumber.Double, optional=True)))
        scenario.add_band_params(self)
        scenario.add_seed_param(self)
        self.add_output_folder()
        self.addOutput(QgsProcessingOutputMultipleLayers("MULTIPLICITY", "Multiplicity rasters (per band)"))
        self.addOutput(QgsProcessingOutputMultipleLayers("POLYGONS", "Coverage polygons (per band)"))
        self.addOutput(QgsProcessingOutputRasterLayer("LOWEST_ENGAGEABLE", "Lowest engageable height AGL"))
        self.addOutput(QgsProcessingOutputVectorLayer("SUMMARY", "Summary table"))
        self.add_scenario_outputs()
        self.addOutput(QgsProcessingOutputNumber("SITES", "Sites"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        out = self.parameterAsString(parameters, "OUTPUT", context)
        with StagedFolder(out, self.id()) as folder:
            feedback.setProgressText("writing the scenario")
            sc = scenario.Scenario(self, parameters, context, folder)
            sc.add_terrain()
            sc.add_area()
            n_file = sc.add_site_layer()
            hyp = HYPOTHESES[self.parameterAsEnum(parameters, "HYPOTHESIS", context)]
            if hyp.startswith("none"):
                if n_file == 0:
                    raise QgsProcessingException(
                        "skycover: no sites: give a site layer, or choose a placement hypothesis with a count")
            else:
                spacing = parameters.get("SPACING_M")
                sc.add_hypothesis(hyp, count=self.parameterAsInt(parameters, "COUNT", context),
                                  spacing_m=None if spacing in (None, "") else
                                  self.parameterAsDouble(parameters, "SPACING_M", context))
            sc.add_analysis(seed=self.parameterAsInt(parameters, "SEED", context))
            sc.output_dir = "coverage"
            toml = sc.write(["skycover coverage scenario.toml --out coverage"])
            feedback.pushInfo(f"scenario: {folder.final_join('scenario.toml')}")
            cov = folder.join("coverage")
            stdout = runner.run_cli(["coverage", toml, "--out", cov], feedback)
            feedback.pushInfo(stdout)
            results = {"OUTPUT": folder.final, "SCENARIO": folder.final_join("scenario.toml")}
            add_coverage_layers(context, cov, folder.final_join("coverage"), results)
            with open(os.path.join(cov, "summary.json"), encoding="utf-8") as fh:
                results["SITES"] = json.load(fh)["sites"]
            if feedback.isCanceled():
                raise runner.Cancelled("skycover: cancelled; nothing was written")
            folder.commit()
        return results
